// Runs every kernel in ../*.cu on the CPU through shim.h and checks it against plain loops; the
// LSTM and GRU kernels are driven exactly as crates/tensor/src/cuda/lstm.rs drives them (time-major
// buffers, per-step GEMM + fused kernel) and their gradients compared with central finite
// differences of an f64 reference. Run with `cargo xtask cuda --host-check` (needs a C++20 compiler).
#include "shim.h"
#include "../elementwise.cu"
#include "../reduce.cu"
#include "../gather.cu"
#include "../layout.cu"
#include "../lstm.cu"
#include "../gru.cu"
typedef std::vector<float> V; typedef std::vector<double> D;
static double frand() { return (rand() / (double)RAND_MAX) * 2 - 1; }
static int fails = 0;
static void check(const char* w, double a, double b, double tol = 1e-4) {
  if (!(fabs(a - b) <= tol * (1 + fabs(b)))) { if (fails < 20) printf("FAIL %s: %g vs %g\n", w, a, b); fails++; }
}
// row-major gemm c = alpha op(a) op(b) + beta c
static void gemm(bool ta, bool tb, int m, int n, int k, float al, const float* a, const float* b, float be, float* c) {
  for (int i = 0; i < m; i++) for (int j = 0; j < n; j++) {
    double s = 0; for (int p = 0; p < k; p++) s += (double)(ta ? a[p*m+i] : a[i*k+p]) * (tb ? b[j*k+p] : b[p*n+j]);
    c[i*n+j] = al * s + be * c[i*n+j];
  }
}
static double sg(double x) { return 1 / (1 + exp(-x)); }
// double reference forward; loss = sum(seq*G) + sum(h*Gh) + sum(c*Gc)
struct P { int B, T, Dd, U; D x, h0, c0, w, r, b, mask; };
static double ref_loss(const P& p, const D& G, const D& Gh, const D& Gc, D* seq_out = 0, D* hout = 0, D* cout_ = 0) {
  int B = p.B, T = p.T, Dd = p.Dd, U = p.U; D h = p.h0, c = p.c0, seq(B*T*U);
  for (int t = 0; t < T; t++) for (int b = 0; b < B; b++) {
    D z(4*U); for (int j = 0; j < 4*U; j++) { double v = p.b[j];
      for (int i = 0; i < Dd; i++) v += p.x[(b*T+t)*Dd+i] * p.w[i*4*U+j];
      for (int i = 0; i < U; i++) v += h[b*U+i] * p.r[i*4*U+j]; z[j] = v; }
    if (p.mask[b*T+t] != 0) for (int j = 0; j < U; j++) {
      double cn = sg(z[U+j]) * c[b*U+j] + sg(z[j]) * tanh(z[2*U+j]); c[b*U+j] = cn; h[b*U+j] = sg(z[3*U+j]) * tanh(cn); }
    for (int j = 0; j < U; j++) seq[(b*T+t)*U+j] = h[b*U+j];
  }
  double L = 0; for (size_t i = 0; i < seq.size(); i++) L += seq[i]*G[i];
  for (size_t i = 0; i < h.size(); i++) L += h[i]*Gh[i] + c[i]*Gc[i];
  if (seq_out) *seq_out = seq; if (hout) *hout = h; if (cout_) *cout_ = c;
  return L;
}
static V f(const D& d) { return V(d.begin(), d.end()); }
static void lstm_test() {
  P p; p.B = 3; p.T = 5; p.Dd = 4; p.U = 3; int B = p.B, T = p.T, Dd = p.Dd, U = p.U;
  auto rv = [](int n, double s) { D v(n); for (auto& x : v) x = frand()*s; return v; };
  p.x = rv(B*T*Dd, 1); p.h0 = rv(B*U, .5); p.c0 = rv(B*U, .5); p.w = rv(Dd*4*U, .6); p.r = rv(U*4*U, .6); p.b = rv(4*U, .3);
  p.mask = D(B*T, 1); p.mask[0] = 0; p.mask[7] = 0; p.mask[14] = 0;
  D G = rv(B*T*U, 1), Gh = rv(B*U, 1), Gc = rv(B*U, 1);
  // --- orchestration as in lstm.rs (time-major) ---
  int BU = B*U, BG = B*4*U;
  V xtm(T*B*Dd), masktm(T*B);
  for (int t = 0; t < T; t++) for (int b = 0; b < B; b++) { for (int i = 0; i < Dd; i++) xtm[(t*B+b)*Dd+i] = p.x[(b*T+t)*Dd+i]; masktm[t*B+b] = p.mask[b*T+t]; }
  V gates(T*BG); for (int r = 0; r < T*B; r++) for (int j = 0; j < 4*U; j++) gates[r*4*U+j] = p.b[j];
  V W = f(p.w), R = f(p.r);
  gemm(false, false, T*B, 4*U, Dd, 1, xtm.data(), W.data(), 1, gates.data());
  V hall((T+1)*BU), call((T+1)*BU);
  for (int i = 0; i < BU; i++) { hall[i] = p.h0[i]; call[i] = p.c0[i]; }
  for (int k = 0; k < T; k++) {
    gemm(false, false, B, 4*U, U, 1, &hall[k*BU], R.data(), 1, &gates[k*BG]);
    lstm_fwd_step(&gates[k*BG], &hall[k*BU], &call[k*BU], &hall[(k+1)*BU], &call[(k+1)*BU], &masktm[k*B], B, U);
  }
  D seq, hr, cr; ref_loss(p, G, Gh, Gc, &seq, &hr, &cr);
  for (int t = 0; t < T; t++) for (int b = 0; b < B; b++) for (int j = 0; j < U; j++) check("seq", hall[((t+1)*B+b)*U+j], seq[(b*T+t)*U+j]);
  for (int i = 0; i < BU; i++) { check("h", hall[T*BU+i], hr[i]); check("c", call[T*BU+i], cr[i]); }
  // backward
  V dh(BU), dc(BU), dytm(T*BU), dg(T*BG);
  for (int i = 0; i < BU; i++) { dh[i] = Gh[i]; dc[i] = Gc[i]; }
  for (int t = 0; t < T; t++) for (int b = 0; b < B; b++) for (int j = 0; j < U; j++) dytm[(t*B+b)*U+j] = G[(b*T+t)*U+j];
  for (int k = T-1; k >= 0; k--) {
    lstm_bwd_step(&gates[k*BG], &call[k*BU], &call[(k+1)*BU], &dytm[k*BU], dh.data(), dc.data(), &dg[k*BG], &masktm[k*B], B, U);
    gemm(false, true, B, U, 4*U, 1, &dg[k*BG], R.data(), 1, dh.data());
  }
  V dR(U*4*U), dW(Dd*4*U), dxtm(T*B*Dd), db(4*U);
  gemm(true, false, U, 4*U, T*B, 1, hall.data(), dg.data(), 0, dR.data());
  gemm(true, false, Dd, 4*U, T*B, 1, xtm.data(), dg.data(), 0, dW.data());
  gemm(false, true, T*B, Dd, 4*U, 1, dg.data(), W.data(), 0, dxtm.data());
  reduce_strided_f32(dg.data(), db.data(), 1, T*B, 4*U, 0);
  // numeric
  auto num = [&](D P::*field, int i) { P q = p; double e = 1e-6; (q.*field)[i] += e; double up = ref_loss(q, G, Gh, Gc); (q.*field)[i] -= 2*e; return (up - ref_loss(q, G, Gh, Gc)) / (2*e); };
  for (int i = 0; i < U*4*U; i++) check("dR", dR[i], num(&P::r, i));
  for (int i = 0; i < Dd*4*U; i++) check("dW", dW[i], num(&P::w, i));
  for (int i = 0; i < 4*U; i++) check("db", db[i], num(&P::b, i));
  for (int i = 0; i < BU; i++) { check("dh0", dh[i], num(&P::h0, i)); check("dc0", dc[i], num(&P::c0, i)); }
  for (int t = 0; t < T; t++) for (int b = 0; b < B; b++) for (int i = 0; i < Dd; i++) check("dx", dxtm[(t*B+b)*Dd+i], num(&P::x, (b*T+t)*Dd+i));
}
static void misc_test() {
  // reduce rows / strided, softmax rows / strided on [4,6,5]
  int O = 4, N = 6, I = 5; V x(O*N*I); for (auto& v : x) v = frand()*3;
  for (int op = 0; op < 2; op++) {
    V y(O*I); reduce_strided_f32(x.data(), y.data(), O, N, I, op);
    V yr(O*N); reduce_rows_f32(x.data(), yr.data(), O*N, I, op);
    for (int o = 0; o < O; o++) for (int i = 0; i < I; i++) { double a = op ? -1e30 : 0; for (int k = 0; k < N; k++) { double v = x[(o*N+k)*I+i]; a = op ? fmax(a, v) : a + v; } check("reduce_strided", y[o*I+i], a); }
    for (int r = 0; r < O*N; r++) { double a = op ? -1e30 : 0; for (int i = 0; i < I; i++) { double v = x[r*I+i]; a = op ? fmax(a, v) : a + v; } check("reduce_rows", yr[r], a); }
  }
  for (int lg = 0; lg < 2; lg++) {
    V y(x.size()), yr(x.size()); softmax_strided_f32(x.data(), y.data(), O, N, I, lg); softmax_rows_f32(x.data(), yr.data(), O*N, I, lg);
    for (int o = 0; o < O; o++) for (int i = 0; i < I; i++) { double m = -1e30, s = 0; for (int k = 0; k < N; k++) m = fmax(m, x[(o*N+k)*I+i]); for (int k = 0; k < N; k++) s += exp(x[(o*N+k)*I+i]-m);
      for (int k = 0; k < N; k++) { double v = x[(o*N+k)*I+i]; check("softmax_strided", y[(o*N+k)*I+i], lg ? v-m-log(s) : exp(v-m)/s); } }
    for (int r = 0; r < O*N; r++) { double m = -1e30, s = 0; for (int i = 0; i < I; i++) m = fmax(m, x[r*I+i]); for (int i = 0; i < I; i++) s += exp(x[r*I+i]-m);
      for (int i = 0; i < I; i++) check("softmax_rows", yr[r*I+i], lg ? x[r*I+i]-m-log(s) : exp(x[r*I+i]-m)/s); }
  }
  // transpose [4,6,5] perm (2,0,1): out shape [5,4,6], st = (1, 30, 5)
  Perm pm{3, {5,4,6}, {1,30,5}}; V t(x.size()); transpose_f32(x.data(), t.data(), x.size(), pm);
  for (int a = 0; a < 5; a++) for (int b = 0; b < 4; b++) for (int c = 0; c < 6; c++) check("transpose", t[(a*4+b)*6+c], x[(b*6+c)*5+a]);
  // bcast [4,1,5] + [6,1] -> [4,6,5]
  V A(20), Bv(6); for (auto& v : A) v = frand(); for (auto& v : Bv) v = frand();
  Bcast bc{3, {4,6,5}, {5,0,1}, {0,1,0}}; V out(120); binary_bcast_f32(A.data(), Bv.data(), out.data(), 120, 1, bc);
  for (int a = 0; a < 4; a++) for (int b = 0; b < 6; b++) for (int c = 0; c < 5; c++) check("bcast sub", out[(a*6+b)*5+c], A[a*5+c] - Bv[b]);
  // flip middle axis; copy_blocks slice
  V fl(x.size()); flip_f32(x.data(), fl.data(), O, N, I);
  for (int o = 0; o < O; o++) for (int k = 0; k < N; k++) for (int i = 0; i < I; i++) check("flip", fl[(o*N+k)*I+i], x[(o*N+N-1-k)*I+i]);
  V sl(O*2*I); copy_blocks_f32(x.data(), sl.data(), O, 2*I, N*I, 3*I, 2*I, 0);
  for (int o = 0; o < O; o++) for (int k = 0; k < 2; k++) for (int i = 0; i < I; i++) check("slice", sl[(o*2+k)*I+i], x[(o*N+3+k)*I+i]);
  // gather / scatter
  long long ids[4] = {2, 0, 2, 5}; V g(4*I), sc(N*I, 0.f); gather_rows_f32(x.data(), ids, g.data(), 4, I);
  for (int r = 0; r < 4; r++) for (int i = 0; i < I; i++) check("gather", g[r*I+i], x[ids[r]*I+i]);
  scatter_add_rows_f32(g.data(), ids, sc.data(), 4, I); for (int i = 0; i < I; i++) check("scatter", sc[2*I+i], 2*x[2*I+i]);
  // unary ops against libm
  const double uv = 0.7;
  const double want[15] = {uv, uv + 2, uv * 2, -uv, exp(uv), log(uv), sqrt(uv), uv * uv, uv, 1, pow(uv, 2.0), 0.5, tanh(uv), 1 / (1 + exp(-uv)), uv};
  for (int op = 0; op < 15; op++) check("unary", unary_op(op, (float)uv, 2.0f, 0.5f), want[op]);
  check("sigmoid", unary_op(13, -100.f, 0, 0), 0.0, 1e-6); check("clip", unary_op(11, 0.7f, -0.2f, 0.5f), 0.5);
}

// GRU (reset_after=True): kernels driven as crates/tensor/src/cuda/gru.rs drives them.
struct Q { int B, T, Dd, U; D x, h0, w, r, bin, brec, mask; };
static double gru_loss(const Q& p, const D& G, const D& Gh, D* seq_out = 0) {
  int B = p.B, T = p.T, Dd = p.Dd, U = p.U; D h = p.h0, seq(B*T*U);
  for (int t = 0; t < T; t++) for (int b = 0; b < B; b++) {
    D xz(3*U), rz(3*U);
    for (int j = 0; j < 3*U; j++) { double v = p.bin[j], w = p.brec[j];
      for (int i = 0; i < Dd; i++) v += p.x[(b*T+t)*Dd+i] * p.w[i*3*U+j];
      for (int i = 0; i < U; i++) w += h[b*U+i] * p.r[i*3*U+j]; xz[j] = v; rz[j] = w; }
    if (p.mask[b*T+t] != 0) for (int j = 0; j < U; j++) {
      double z = sg(xz[j] + rz[j]), r = sg(xz[U+j] + rz[U+j]), hh = tanh(xz[2*U+j] + r * rz[2*U+j]);
      h[b*U+j] = z * h[b*U+j] + (1 - z) * hh; }
    for (int j = 0; j < U; j++) seq[(b*T+t)*U+j] = h[b*U+j];
  }
  double L = 0; for (size_t i = 0; i < seq.size(); i++) L += seq[i]*G[i];
  for (size_t i = 0; i < h.size(); i++) L += h[i]*Gh[i];
  if (seq_out) *seq_out = seq;
  return L;
}
static void gru_test() {
  Q p; p.B = 3; p.T = 5; p.Dd = 4; p.U = 3; int B = p.B, T = p.T, Dd = p.Dd, U = p.U;
  auto rv = [](int n, double s) { D v(n); for (auto& x : v) x = frand()*s; return v; };
  p.x = rv(B*T*Dd, 1); p.h0 = rv(B*U, .5); p.w = rv(Dd*3*U, .6); p.r = rv(U*3*U, .6); p.bin = rv(3*U, .3); p.brec = rv(3*U, .3);
  p.mask = D(B*T, 1); p.mask[0] = 0; p.mask[7] = 0; p.mask[14] = 0;
  D G = rv(B*T*U, 1), Gh = rv(B*U, 1);
  int BU = B*U, BG = B*3*U;
  V xtm(T*B*Dd), masktm(T*B);
  for (int t = 0; t < T; t++) for (int b = 0; b < B; b++) { for (int i = 0; i < Dd; i++) xtm[(t*B+b)*Dd+i] = p.x[(b*T+t)*Dd+i]; masktm[t*B+b] = p.mask[b*T+t]; }
  V xg(T*BG), rg(T*BG), save(T*BG);
  for (int r = 0; r < T*B; r++) for (int j = 0; j < 3*U; j++) { xg[r*3*U+j] = p.bin[j]; rg[r*3*U+j] = p.brec[j]; }
  V W = f(p.w), R = f(p.r);
  gemm(false, false, T*B, 3*U, Dd, 1, xtm.data(), W.data(), 1, xg.data());
  V hall((T+1)*BU); for (int i = 0; i < BU; i++) hall[i] = p.h0[i];
  for (int k = 0; k < T; k++) {
    gemm(false, false, B, 3*U, U, 1, &hall[k*BU], R.data(), 1, &rg[k*BG]);
    gru_fwd_step(&xg[k*BG], &rg[k*BG], &hall[k*BU], &hall[(k+1)*BU], &save[k*BG], &masktm[k*B], B, U);
  }
  D seq; gru_loss(p, G, Gh, &seq);
  for (int t = 0; t < T; t++) for (int b = 0; b < B; b++) for (int j = 0; j < U; j++) check("gru seq", hall[((t+1)*B+b)*U+j], seq[(b*T+t)*U+j]);
  V dh(BU), dytm(T*BU), dxg(T*BG), drg(T*BG);
  for (int i = 0; i < BU; i++) dh[i] = Gh[i];
  for (int t = 0; t < T; t++) for (int b = 0; b < B; b++) for (int j = 0; j < U; j++) dytm[(t*B+b)*U+j] = G[(b*T+t)*U+j];
  for (int k = T-1; k >= 0; k--) {
    gru_bwd_step(&save[k*BG], &rg[k*BG], &hall[k*BU], &dytm[k*BU], dh.data(), &dxg[k*BG], &drg[k*BG], &masktm[k*B], B, U);
    gemm(false, true, B, U, 3*U, 1, &drg[k*BG], R.data(), 1, dh.data());
  }
  V dR(U*3*U), dW(Dd*3*U), dxtm(T*B*Dd), dbin(3*U), dbrec(3*U);
  gemm(true, false, U, 3*U, T*B, 1, hall.data(), drg.data(), 0, dR.data());
  gemm(true, false, Dd, 3*U, T*B, 1, xtm.data(), dxg.data(), 0, dW.data());
  gemm(false, true, T*B, Dd, 3*U, 1, dxg.data(), W.data(), 0, dxtm.data());
  reduce_strided_f32(dxg.data(), dbin.data(), 1, T*B, 3*U, 0);
  reduce_strided_f32(drg.data(), dbrec.data(), 1, T*B, 3*U, 0);
  auto num = [&](D Q::*field, int i) { Q q = p; double e = 1e-6; (q.*field)[i] += e; double up = gru_loss(q, G, Gh); (q.*field)[i] -= 2*e; return (up - gru_loss(q, G, Gh)) / (2*e); };
  for (int i = 0; i < U*3*U; i++) check("gru dR", dR[i], num(&Q::r, i));
  for (int i = 0; i < Dd*3*U; i++) check("gru dW", dW[i], num(&Q::w, i));
  for (int i = 0; i < 3*U; i++) { check("gru dbin", dbin[i], num(&Q::bin, i)); check("gru dbrec", dbrec[i], num(&Q::brec, i)); }
  for (int i = 0; i < BU; i++) check("gru dh0", dh[i], num(&Q::h0, i));
  for (int t = 0; t < T; t++) for (int b = 0; b < B; b++) for (int i = 0; i < Dd; i++) check("gru dx", dxtm[(t*B+b)*Dd+i], num(&Q::x, (b*T+t)*Dd+i));
}
// The block reductions with 256 real threads and barriers, rows longer than the block.
static void block_test() {
  int R = 3, N = 1000; V x(R*N); for (auto& v : x) v = frand()*4;
  V s(R), m(R), sm(R*N);
  launch_block(256, [&] { reduce_rows_f32(x.data(), s.data(), R, N, 0); });
  launch_block(256, [&] { reduce_rows_f32(x.data(), m.data(), R, N, 1); });
  launch_block(256, [&] { softmax_rows_f32(x.data(), sm.data(), R, N, 0); });
  for (int r = 0; r < R; r++) {
    double a = 0, b = -1e30, z = 0;
    for (int k = 0; k < N; k++) { a += x[r*N+k]; b = fmax(b, x[r*N+k]); }
    for (int k = 0; k < N; k++) z += exp(x[r*N+k] - b);
    check("block sum", s[r], a); check("block max", m[r], b);
    for (int k = 0; k < N; k++) check("block softmax", sm[r*N+k], exp(x[r*N+k] - b) / z);
  }
}
int main() {
  lstm_test(); gru_test(); misc_test(); block_test();
  printf("%s (%d failures)\n", fails ? "FAILED" : "ALL OK", fails);
  return fails != 0;
}
