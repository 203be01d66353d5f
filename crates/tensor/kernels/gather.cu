// Row gathers (embedding lookup) and their scatter-add gradient. Ids are validated on the host first.

extern "C" __global__ void gather_rows_f32(const float* table, const long long* ids, float* out,
                                           unsigned long long n_ids, unsigned long long dim) {
    unsigned long long total = n_ids * dim;
    for (unsigned long long t = blockIdx.x * (unsigned long long)blockDim.x + threadIdx.x; t < total;
         t += (unsigned long long)blockDim.x * gridDim.x) {
        unsigned long long r = t / dim, j = t % dim;
        out[t] = table[(unsigned long long)ids[r] * dim + j];
    }
}

// `out` must be zeroed; repeated ids accumulate through atomics.
extern "C" __global__ void scatter_add_rows_f32(const float* g, const long long* ids, float* out,
                                                unsigned long long n_ids, unsigned long long dim) {
    unsigned long long total = n_ids * dim;
    for (unsigned long long t = blockIdx.x * (unsigned long long)blockDim.x + threadIdx.x; t < total;
         t += (unsigned long long)blockDim.x * gridDim.x) {
        unsigned long long r = t / dim, j = t % dim;
        atomicAdd(&out[(unsigned long long)ids[r] * dim + j], g[t]);
    }
}
