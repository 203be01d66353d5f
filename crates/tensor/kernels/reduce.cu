// Reductions over one axis of a tensor viewed as [outer, n, inner], and softmax / log-softmax.
// Op codes: 0 = sum, 1 = max (see `ReduceOp` in crates/tensor/src/cuda/op_codes.rs).

#define KERUST_BLOCK 256
// -inf without <math.h> (NVRTC has no INFINITY macro).
#define KERUST_NEG_INF __int_as_float(0xff800000)

__device__ __forceinline__ float reduce_init(int op) {
    return op == 0 ? 0.0f : KERUST_NEG_INF;
}

__device__ __forceinline__ float reduce_step(int op, float acc, float v) {
    return op == 0 ? acc + v : fmaxf(acc, v);
}

// Tree reduction of one value per thread inside a block of KERUST_BLOCK threads.
__device__ float block_reduce(int op, float v, float* shm) {
    shm[threadIdx.x] = v;
    __syncthreads();
    for (unsigned int s = blockDim.x / 2; s > 0; s >>= 1) {
        if (threadIdx.x < s) {
            shm[threadIdx.x] = reduce_step(op, shm[threadIdx.x], shm[threadIdx.x + s]);
        }
        __syncthreads();
    }
    float r = shm[0];
    __syncthreads();
    return r;
}

// inner > 1: one thread per (outer, inner) output; neighbouring threads read neighbouring addresses.
extern "C" __global__ void reduce_strided_f32(const float* x, float* y, unsigned long long outer,
                                              unsigned long long n, unsigned long long inner, int op) {
    unsigned long long total = outer * inner;
    for (unsigned long long t = blockIdx.x * (unsigned long long)blockDim.x + threadIdx.x; t < total;
         t += (unsigned long long)blockDim.x * gridDim.x) {
        unsigned long long o = t / inner, i = t % inner;
        const float* p = x + o * n * inner + i;
        float acc = reduce_init(op);
        for (unsigned long long k = 0; k < n; ++k) {
            acc = reduce_step(op, acc, p[k * inner]);
        }
        y[t] = acc;
    }
}

// inner == 1: one block per row of n contiguous values.
extern "C" __global__ void reduce_rows_f32(const float* x, float* y, unsigned long long rows,
                                           unsigned long long n, int op) {
    __shared__ float shm[KERUST_BLOCK];
    for (unsigned long long r = blockIdx.x; r < rows; r += gridDim.x) {
        const float* p = x + r * n;
        float acc = reduce_init(op);
        for (unsigned long long k = threadIdx.x; k < n; k += blockDim.x) {
            acc = reduce_step(op, acc, p[k]);
        }
        acc = block_reduce(op, acc, shm);
        if (threadIdx.x == 0) {
            y[r] = acc;
        }
    }
}

// Softmax over contiguous rows: one block per row (max, then sum of exp, then write).
extern "C" __global__ void softmax_rows_f32(const float* x, float* y, unsigned long long rows,
                                            unsigned long long n, int log_out) {
    __shared__ float shm[KERUST_BLOCK];
    for (unsigned long long r = blockIdx.x; r < rows; r += gridDim.x) {
        const float* p = x + r * n;
        float* q = y + r * n;
        float m = KERUST_NEG_INF;
        for (unsigned long long k = threadIdx.x; k < n; k += blockDim.x) {
            m = fmaxf(m, p[k]);
        }
        m = block_reduce(1, m, shm);
        float s = 0.0f;
        for (unsigned long long k = threadIdx.x; k < n; k += blockDim.x) {
            s += expf(p[k] - m);
        }
        s = block_reduce(0, s, shm);
        float ls = logf(s);
        for (unsigned long long k = threadIdx.x; k < n; k += blockDim.x) {
            q[k] = log_out ? p[k] - m - ls : expf(p[k] - m) / s;
        }
    }
}

// Softmax over a strided axis: one thread per (outer, inner) column.
extern "C" __global__ void softmax_strided_f32(const float* x, float* y, unsigned long long outer,
                                               unsigned long long n, unsigned long long inner, int log_out) {
    unsigned long long total = outer * inner;
    for (unsigned long long t = blockIdx.x * (unsigned long long)blockDim.x + threadIdx.x; t < total;
         t += (unsigned long long)blockDim.x * gridDim.x) {
        unsigned long long o = t / inner, i = t % inner;
        const float* p = x + o * n * inner + i;
        float* q = y + o * n * inner + i;
        float m = KERUST_NEG_INF;
        for (unsigned long long k = 0; k < n; ++k) m = fmaxf(m, p[k * inner]);
        float s = 0.0f;
        for (unsigned long long k = 0; k < n; ++k) s += expf(p[k * inner] - m);
        float ls = logf(s);
        for (unsigned long long k = 0; k < n; ++k) {
            q[k * inner] = log_out ? p[k * inner] - m - ls : expf(p[k * inner] - m) / s;
        }
    }
}
