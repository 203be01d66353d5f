// Host emulation of the CUDA built-ins the kernels use, so `host_check.cpp` can run them on a CPU
// (grid-stride loops run sequentially with blockDim.x == 1, or a block of real threads with a
// real barrier through `launch_block`, which checks the shared-memory reductions). A check of kernel arithmetic on machines without a GPU, not of parallelism.
#pragma once
#include <cmath>
#include <cstring>
#include <cstdio>
#include <vector>
#include <cstdlib>
#include <barrier>
#include <functional>
#include <thread>
struct dim3_ { unsigned x, y, z; };
static thread_local dim3_ threadIdx{0,0,0};
static dim3_ blockIdx{0,0,0}, blockDim{1,1,1}, gridDim{1,1,1};
static std::barrier<>* kerust_barrier = nullptr;
#define __global__
#define __device__
#define __forceinline__ inline
#define __shared__ static
inline void __syncthreads() { if (kerust_barrier) kerust_barrier->arrive_and_wait(); }
// Run `body` as one block of `threads` concurrent threads (gridDim 1) sharing a barrier.
inline void launch_block(unsigned threads, const std::function<void()>& body) {
  std::barrier<> bar(threads);
  kerust_barrier = &bar;
  blockDim.x = threads;
  std::vector<std::thread> ts;
  for (unsigned t = 0; t < threads; t++) ts.emplace_back([t, &body] { threadIdx.x = t; body(); });
  for (auto& t : ts) t.join();
  kerust_barrier = nullptr;
  blockDim.x = 1;
}
inline float __int_as_float(unsigned v) { float f; memcpy(&f, &v, 4); return f; }
inline float atomicAdd(float* p, float v) { float o = *p; *p += v; return o; }
