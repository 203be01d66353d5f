// Layout kernels that move data without arithmetic: transpose, strided block copy (concat, slice), flip.

#define KERUST_MAX_RANK 8

// Output shape and, for each output axis, the stride of the input axis it reads.
struct Perm {
    unsigned long long rank;
    unsigned long long shape[KERUST_MAX_RANK];
    unsigned long long st[KERUST_MAX_RANK];
};

extern "C" __global__ void transpose_f32(const float* x, float* y, unsigned long long n, Perm p) {
    for (unsigned long long i = blockIdx.x * (unsigned long long)blockDim.x + threadIdx.x; i < n;
         i += (unsigned long long)blockDim.x * gridDim.x) {
        unsigned long long rem = i, off = 0;
        for (int d = (int)p.rank - 1; d >= 0; --d) {
            unsigned long long idx = rem % p.shape[d];
            rem /= p.shape[d];
            off += idx * p.st[d];
        }
        y[i] = x[off];
    }
}

// dst[o * dst_stride + dst_off + j] = src[o * src_stride + src_off + j] for o < outer, j < len.
extern "C" __global__ void copy_blocks_f32(const float* src, float* dst, unsigned long long outer,
                                           unsigned long long len, unsigned long long src_stride,
                                           unsigned long long src_off, unsigned long long dst_stride,
                                           unsigned long long dst_off) {
    unsigned long long total = outer * len;
    for (unsigned long long t = blockIdx.x * (unsigned long long)blockDim.x + threadIdx.x; t < total;
         t += (unsigned long long)blockDim.x * gridDim.x) {
        unsigned long long o = t / len, j = t % len;
        dst[o * dst_stride + dst_off + j] = src[o * src_stride + src_off + j];
    }
}

// Reverse the middle axis of a [outer, n, inner] view.
extern "C" __global__ void flip_f32(const float* x, float* y, unsigned long long outer,
                                    unsigned long long n, unsigned long long inner) {
    unsigned long long total = outer * n * inner;
    for (unsigned long long t = blockIdx.x * (unsigned long long)blockDim.x + threadIdx.x; t < total;
         t += (unsigned long long)blockDim.x * gridDim.x) {
        unsigned long long i = t % inner;
        unsigned long long k = (t / inner) % n;
        unsigned long long o = t / (inner * n);
        y[t] = x[(o * n + (n - 1 - k)) * inner + i];
    }
}
