// Elementwise kernels: unary maps and broadcasting binary ops on contiguous row-major f32.
// Op codes match `UnaryOp` / `BinaryOp` in crates/tensor/src/cuda/op_codes.rs.

#define KERUST_MAX_RANK 8

// Broadcast description: output shape and per-operand strides (0 on broadcast axes).
struct Bcast {
    unsigned long long rank;
    unsigned long long shape[KERUST_MAX_RANK];
    unsigned long long sa[KERUST_MAX_RANK];
    unsigned long long sb[KERUST_MAX_RANK];
};

__device__ __forceinline__ float kerust_sigmoid(float x) {
    // Same split as the CPU version so large |x| never overflows expf.
    if (x >= 0.0f) {
        return 1.0f / (1.0f + expf(-x));
    }
    float e = expf(x);
    return e / (1.0f + e);
}

__device__ __forceinline__ float unary_op(int op, float x, float p, float q) {
    switch (op) {
    case 0: return x;
    case 1: return x + p;
    case 2: return x * p;
    case 3: return -x;
    case 4: return expf(x);
    case 5: return logf(x);
    case 6: return sqrtf(x);
    case 7: return x * x;
    case 8: return fabsf(x);
    case 9: return x > 0.0f ? 1.0f : (x < 0.0f ? -1.0f : 0.0f);
    case 10: return powf(x, p);
    case 11: return fminf(fmaxf(x, p), q);
    case 12: return tanhf(x);
    case 13: return kerust_sigmoid(x);
    case 14: return fmaxf(x, 0.0f);
    default: return x;
    }
}

__device__ __forceinline__ float binary_op(int op, float a, float b) {
    switch (op) {
    case 0: return a + b;
    case 1: return a - b;
    case 2: return a * b;
    case 3: return a / b;
    case 4: return fmaxf(a, b);
    case 5: return a;
    default: return a;
    }
}

extern "C" __global__ void unary_f32(const float* x, float* y, unsigned long long n, int op, float p, float q) {
    for (unsigned long long i = blockIdx.x * (unsigned long long)blockDim.x + threadIdx.x; i < n;
         i += (unsigned long long)blockDim.x * gridDim.x) {
        y[i] = unary_op(op, x[i], p, q);
    }
}

extern "C" __global__ void binary_same_f32(const float* a, const float* b, float* y, unsigned long long n, int op) {
    for (unsigned long long i = blockIdx.x * (unsigned long long)blockDim.x + threadIdx.x; i < n;
         i += (unsigned long long)blockDim.x * gridDim.x) {
        y[i] = binary_op(op, a[i], b[i]);
    }
}

extern "C" __global__ void binary_bcast_f32(const float* a, const float* b, float* y, unsigned long long n, int op, Bcast m) {
    for (unsigned long long i = blockIdx.x * (unsigned long long)blockDim.x + threadIdx.x; i < n;
         i += (unsigned long long)blockDim.x * gridDim.x) {
        unsigned long long rem = i, ia = 0, ib = 0;
        for (int d = (int)m.rank - 1; d >= 0; --d) {
            unsigned long long idx = rem % m.shape[d];
            rem /= m.shape[d];
            ia += idx * m.sa[d];
            ib += idx * m.sb[d];
        }
        y[i] = binary_op(op, a[ia], b[ib]);
    }
}
