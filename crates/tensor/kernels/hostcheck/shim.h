// Host emulation of the CUDA built-ins the kernels use, so `host_check.cpp` can run them on a CPU
// (one thread per block, sequential grid-stride loops; barriers are no-ops, which is exact for
// blockDim.x == 1). A check of kernel arithmetic on machines without a GPU, not of parallelism.
#pragma once
#include <cmath>
#include <cstring>
#include <cstdio>
#include <vector>
#include <cstdlib>
struct dim3_ { unsigned x, y, z; };
static dim3_ threadIdx{0,0,0}, blockIdx{0,0,0}, blockDim{1,1,1}, gridDim{1,1,1};
#define __global__
#define __device__
#define __forceinline__ inline
#define __shared__ static
inline void __syncthreads() {}
inline float __int_as_float(unsigned v) { float f; memcpy(&f, &v, 4); return f; }
inline float atomicAdd(float* p, float v) { float o = *p; *p += v; return o; }
