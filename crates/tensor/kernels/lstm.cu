// Fused LSTM gate kernels (Keras gate order i, f, c, o; sigmoid recurrent activation, tanh activation).
// Per time step the host issues one cuBLAS GEMM (h_prev · R accumulated onto the precomputed
// x · W + b slice) and then one of these kernels over the [batch, units] grid.

__device__ __forceinline__ float lstm_sigmoid(float x) {
    if (x >= 0.0f) {
        return 1.0f / (1.0f + expf(-x));
    }
    float e = expf(x);
    return e / (1.0f + e);
}

// gates: [B, 4U] pre-activations in, post-activations out (kept for the backward pass).
// mask: [B] for this step or null; a masked row carries its state over unchanged.
extern "C" __global__ void lstm_fwd_step(float* gates, const float* h_prev, const float* c_prev,
                                         float* h_next, float* c_next, const float* mask,
                                         int batch, int units) {
    int total = batch * units;
    for (int t = blockIdx.x * blockDim.x + threadIdx.x; t < total; t += blockDim.x * gridDim.x) {
        int b = t / units, u = t % units;
        float* g = gates + (long long)b * 4 * units;
        float ig = lstm_sigmoid(g[u]);
        float fg = lstm_sigmoid(g[units + u]);
        float cg = tanhf(g[2 * units + u]);
        float og = lstm_sigmoid(g[3 * units + u]);
        g[u] = ig;
        g[units + u] = fg;
        g[2 * units + u] = cg;
        g[3 * units + u] = og;
        float cp = c_prev[t];
        float c = fg * cp + ig * cg;
        float h = og * tanhf(c);
        bool keep = mask == 0 || mask[b] != 0.0f;
        c_next[t] = keep ? c : cp;
        h_next[t] = keep ? h : h_prev[t];
    }
}

// Backward of one step. dh_carry / dc_carry hold dL/dh_t, dL/dc_t on entry (dy, the gradient of
// this step's output, is added here). On exit dgates holds dL/d(pre-activations), dc_carry holds
// dL/dc_{t-1}, and dh_carry holds the part of dL/dh_{t-1} that bypasses the gates (the carried
// gradient of masked rows); the host then adds dgates · R^T with one GEMM (beta = 1).
extern "C" __global__ void lstm_bwd_step(const float* gates, const float* c_prev, const float* c_next,
                                         const float* dy, float* dh_carry, float* dc_carry,
                                         float* dgates, const float* mask, int batch, int units) {
    int total = batch * units;
    for (int t = blockIdx.x * blockDim.x + threadIdx.x; t < total; t += blockDim.x * gridDim.x) {
        int b = t / units, u = t % units;
        const float* g = gates + (long long)b * 4 * units;
        float* dg = dgates + (long long)b * 4 * units;
        float dh = dh_carry[t] + (dy ? dy[t] : 0.0f);
        bool keep = mask == 0 || mask[b] != 0.0f;
        if (!keep) {
            dg[u] = 0.0f;
            dg[units + u] = 0.0f;
            dg[2 * units + u] = 0.0f;
            dg[3 * units + u] = 0.0f;
            dh_carry[t] = dh;
            continue;
        }
        float ig = g[u], fg = g[units + u], cg = g[2 * units + u], og = g[3 * units + u];
        float tc = tanhf(c_next[t]);
        float dc = dc_carry[t] + dh * og * (1.0f - tc * tc);
        dg[u] = dc * cg * ig * (1.0f - ig);
        dg[units + u] = dc * c_prev[t] * fg * (1.0f - fg);
        dg[2 * units + u] = dc * ig * (1.0f - cg * cg);
        dg[3 * units + u] = dh * tc * og * (1.0f - og);
        dc_carry[t] = dc * fg;
        dh_carry[t] = 0.0f;
    }
}
