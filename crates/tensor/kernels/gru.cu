// Fused GRU gate kernels, Keras `reset_after=True` form (the Keras 2/3 default): gate blocks
// z, r, h; recurrent_activation sigmoid, activation tanh;
//   z = σ(xz + rz), r = σ(xr + rr), ĥ = tanh(xh + r·rh), h = z·h_prev + (1 − z)·ĥ
// where x* = x·W + b_in and r* = h_prev·R + b_rec. Per step the host runs one cuBLAS GEMM
// (h_prev·R accumulated onto the b_rec-initialised slice) and then one of these kernels.

__device__ __forceinline__ float gru_sigmoid(float x) {
    if (x >= 0.0f) {
        return 1.0f / (1.0f + expf(-x));
    }
    float e = expf(x);
    return e / (1.0f + e);
}

// xg, rg: [B, 3U] pre-activations of this step; save: [B, 3U] receives z, r, ĥ.
// mask: [B] for this step or null; a masked row carries h over unchanged.
extern "C" __global__ void gru_fwd_step(const float* xg, const float* rg, const float* h_prev,
                                        float* h_next, float* save, const float* mask,
                                        int batch, int units) {
    int total = batch * units;
    for (int t = blockIdx.x * blockDim.x + threadIdx.x; t < total; t += blockDim.x * gridDim.x) {
        int b = t / units, u = t % units;
        long long row = (long long)b * 3 * units;
        float z = gru_sigmoid(xg[row + u] + rg[row + u]);
        float r = gru_sigmoid(xg[row + units + u] + rg[row + units + u]);
        float hh = tanhf(xg[row + 2 * units + u] + r * rg[row + 2 * units + u]);
        save[row + u] = z;
        save[row + units + u] = r;
        save[row + 2 * units + u] = hh;
        float hp = h_prev[t];
        bool keep = mask == 0 || mask[b] != 0.0f;
        h_next[t] = keep ? z * hp + (1.0f - z) * hh : hp;
    }
}

// Backward of one step. dh_carry holds dL/dh_t on entry (dy, this step's output gradient, is
// added here); on exit it holds the part of dL/dh_{t-1} that does not go through R (z·dh, or all
// of dh for a masked row), and the host adds drg · Rᵀ with one GEMM (beta = 1). dxg / drg receive
// the gradients of the input-side and recurrent-side pre-activations.
extern "C" __global__ void gru_bwd_step(const float* save, const float* rg, const float* h_prev,
                                        const float* dy, float* dh_carry, float* dxg, float* drg,
                                        const float* mask, int batch, int units) {
    int total = batch * units;
    for (int t = blockIdx.x * blockDim.x + threadIdx.x; t < total; t += blockDim.x * gridDim.x) {
        int b = t / units, u = t % units;
        long long row = (long long)b * 3 * units;
        float dh = dh_carry[t] + (dy ? dy[t] : 0.0f);
        bool keep = mask == 0 || mask[b] != 0.0f;
        if (!keep) {
            for (int g = 0; g < 3; ++g) {
                dxg[row + g * units + u] = 0.0f;
                drg[row + g * units + u] = 0.0f;
            }
            dh_carry[t] = dh;
            continue;
        }
        float z = save[row + u], r = save[row + units + u], hh = save[row + 2 * units + u];
        float dhh = dh * (1.0f - z) * (1.0f - hh * hh);
        float dz = dh * (h_prev[t] - hh) * z * (1.0f - z);
        float dr = dhh * rg[row + 2 * units + u] * r * (1.0f - r);
        dxg[row + u] = dz;
        dxg[row + units + u] = dr;
        dxg[row + 2 * units + u] = dhh;
        drg[row + u] = dz;
        drg[row + units + u] = dr;
        drg[row + 2 * units + u] = dhh * r;
        dh_carry[t] = dh * z;
    }
}
