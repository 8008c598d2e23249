// Straightforward C++ baseline of the fla TTT-Linear inner loop (DESIGN.md,
// "Semantics"), chunked dual form, fp32, plain loops, one thread, no
// libraries. Build: g++ -O3 -march=native -std=c++17 naive.cpp -o naive
//
// Per (batch b, head h) chain, per mini-batch of n <= BT tokens starting at
// the weights (W, b):
//   Z = K W + b;  G = dL/dZ of sum_s 1/2 ||LN(z_s) - (v_s - k_s)||^2
//   Y = Q W + b - (E o tril(Q K^T) + tril(E)) G,   E[r][s] = e_r (fla)
//   O = Y + LN(Y)
//   W -= e_last K^T G,  b -= e_last sum_s G[s]     (e_last = e of the last row)
// Layout: q, k, v, o [B][H][T][D]; lr [B][H][T]; W [B][H][D][D];
// b, gamma, beta [B][H][D]; all row-major float32.
//
// Usage:
//   naive B T [H=12 D=64 BT=16 REPEAT=5]   random inputs, prints one JSON
//                                          line with the median time in ms
//   naive check B H T D BT IN OUT           reads q k v lr W0 b0 gamma beta
//                                          (raw f32, in that order) from IN,
//                                          writes o W b to OUT
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

constexpr float kEps = 1e-6f;

struct Dims {
  int B, H, T, D, BT;
};

// One (batch, head) chain. W (D x D) and bias (D) are updated in place.
void chain(const Dims &d, const float *q, const float *k, const float *v,
           const float *lr, float *W, float *bias, const float *gamma,
           const float *beta, float *o) {
  const int D = d.D, BT = d.BT, T = d.T;
  std::vector<float> Z(BT * D), G(BT * D), Y(BT * D), M(BT * BT), xhat(D);
  for (int start = 0; start < T; start += BT) {
    const int n = std::min(BT, T - start);
    const float *K = k + (size_t)start * D, *V = v + (size_t)start * D,
                *Q = q + (size_t)start * D, *e = lr + start;
    // Z = K W + b
    for (int r = 0; r < n; ++r) {
      float *z = &Z[r * D];
      for (int j = 0; j < D; ++j)
        z[j] = bias[j];
      for (int i = 0; i < D; ++i) {
        const float a = K[r * D + i];
        const float *w = W + (size_t)i * D;
        for (int j = 0; j < D; ++j)
          z[j] += a * w[j];
      }
    }
    // G = dl/dz through LN: g = (LN(z) - (v - k)) * gamma,
    // dz = (g - mean(g) - xhat * mean(g * xhat)) / sd
    for (int r = 0; r < n; ++r) {
      float *z = &Z[r * D], *g = &G[r * D];
      float mu = 0, var = 0;
      for (int j = 0; j < D; ++j)
        mu += z[j];
      mu /= D;
      for (int j = 0; j < D; ++j)
        var += (z[j] - mu) * (z[j] - mu);
      const float sd = std::sqrt(var / D + kEps);
      float mg = 0, mgx = 0;
      for (int j = 0; j < D; ++j) {
        xhat[j] = (z[j] - mu) / sd;
        const float dy =
            xhat[j] * gamma[j] + beta[j] - (V[r * D + j] - K[r * D + j]);
        g[j] = dy * gamma[j];
        mg += g[j];
        mgx += g[j] * xhat[j];
      }
      mg /= D;
      mgx /= D;
      for (int j = 0; j < D; ++j)
        g[j] = (g[j] - mg - xhat[j] * mgx) / sd;
    }
    // M = E o tril(Q K^T) + tril(E), E[r][s] = e_r
    for (int r = 0; r < n; ++r)
      for (int s = 0; s <= r; ++s) {
        float dot = 0;
        for (int i = 0; i < D; ++i)
          dot += Q[r * D + i] * K[s * D + i];
        M[r * BT + s] = e[r] * (dot + 1.0f);
      }
    // Y = Q W + b - M G;  O = Y + LN(Y)
    for (int r = 0; r < n; ++r) {
      float *y = &Y[r * D];
      for (int j = 0; j < D; ++j)
        y[j] = bias[j];
      for (int i = 0; i < D; ++i) {
        const float a = Q[r * D + i];
        const float *w = W + (size_t)i * D;
        for (int j = 0; j < D; ++j)
          y[j] += a * w[j];
      }
      for (int s = 0; s <= r; ++s) {
        const float m = M[r * BT + s];
        const float *g = &G[s * D];
        for (int j = 0; j < D; ++j)
          y[j] -= m * g[j];
      }
      float mu = 0, var = 0;
      for (int j = 0; j < D; ++j)
        mu += y[j];
      mu /= D;
      for (int j = 0; j < D; ++j)
        var += (y[j] - mu) * (y[j] - mu);
      const float sd = std::sqrt(var / D + kEps);
      float *out = o + (size_t)(start + r) * D;
      for (int j = 0; j < D; ++j)
        out[j] = y[j] + (y[j] - mu) / sd * gamma[j] + beta[j];
    }
    // W -= e_last K^T G;  b -= e_last sum_s G[s]
    const float el = e[n - 1];
    for (int s = 0; s < n; ++s) {
      const float *g = &G[s * D];
      for (int i = 0; i < D; ++i) {
        const float a = el * K[s * D + i];
        float *w = W + (size_t)i * D;
        for (int j = 0; j < D; ++j)
          w[j] -= a * g[j];
      }
      for (int j = 0; j < D; ++j)
        bias[j] -= el * g[j];
    }
  }
}

struct Problem {
  Dims d;
  std::vector<float> q, k, v, lr, W, b, gamma, beta, o;
  explicit Problem(Dims dd) : d(dd) {
    const size_t bh = (size_t)d.B * d.H, x = bh * d.T * d.D;
    q.resize(x), k.resize(x), v.resize(x), o.resize(x), lr.resize(bh * d.T);
    W.resize(bh * d.D * d.D), b.resize(bh * d.D), gamma.resize(bh * d.D),
        beta.resize(bh * d.D);
  }
  // Runs every chain on W/b, updating them in place.
  void run(std::vector<float> &Wc, std::vector<float> &bc) {
    const size_t TD = (size_t)d.T * d.D, DD = (size_t)d.D * d.D;
    for (size_t c = 0; c < (size_t)d.B * d.H; ++c)
      chain(d, &q[c * TD], &k[c * TD], &v[c * TD], &lr[c * d.T], &Wc[c * DD],
            &bc[c * d.D], &gamma[c * d.D], &beta[c * d.D], &o[c * TD]);
  }
};

// Deterministic inputs: standard normals by Box-Muller on a 64-bit LCG.
struct Rng {
  uint64_t s = 0x9E3779B97F4A7C15ull;
  double uniform() {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    return ((s >> 11) + 0.5) * (1.0 / 9007199254740992.0);
  }
  float normal() {
    return (float)(std::sqrt(-2.0 * std::log(uniform())) *
                   std::cos(6.283185307179586 * uniform()));
  }
};

bool readAll(FILE *f, std::vector<float> &x) {
  return std::fread(x.data(), sizeof(float), x.size(), f) == x.size();
}

int checkMode(int argc, char **argv) {
  if (argc != 9) {
    std::fprintf(stderr, "usage: naive check B H T D BT IN OUT\n");
    return 2;
  }
  Problem p({std::atoi(argv[2]), std::atoi(argv[3]), std::atoi(argv[4]),
             std::atoi(argv[5]), std::atoi(argv[6])});
  FILE *in = std::fopen(argv[7], "rb");
  if (!in)
    return std::perror(argv[7]), 1;
  bool ok = true;
  for (auto *x : {&p.q, &p.k, &p.v, &p.lr, &p.W, &p.b, &p.gamma, &p.beta})
    ok = ok && readAll(in, *x);
  std::fclose(in);
  if (!ok)
    return std::fprintf(stderr, "naive: short input\n"), 1;
  p.run(p.W, p.b);
  FILE *out = std::fopen(argv[8], "wb");
  if (!out)
    return std::perror(argv[8]), 1;
  for (auto *x : {&p.o, &p.W, &p.b})
    std::fwrite(x->data(), sizeof(float), x->size(), out);
  std::fclose(out);
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  if (argc > 1 && !std::strcmp(argv[1], "check"))
    return checkMode(argc, argv);
  if (argc < 3) {
    std::fprintf(stderr, "usage: naive B T [H=12 D=64 BT=16 REPEAT=5]\n"
                         "       naive check B H T D BT IN OUT\n");
    return 2;
  }
  auto arg = [&](int i, int dflt) {
    return argc > i ? std::atoi(argv[i]) : dflt;
  };
  Problem p({arg(1, 1), arg(3, 12), arg(2, 2048), arg(4, 64),
             arg(5, 16)}); // B H T D BT
  const int repeat = arg(6, 5);
  Rng rng;
  for (auto &x : p.q)
    x = 0.125f * rng.normal(); // q pre-scaled (fla)
  for (auto &x : p.k)
    x = rng.normal();
  for (auto &x : p.v)
    x = rng.normal();
  for (auto &x : p.lr)
    x = 0.1f * (float)rng.uniform();
  for (auto &x : p.W)
    x = 0.05f * rng.normal();
  for (auto &x : p.b)
    x = 0.05f * rng.normal();
  for (auto &x : p.gamma)
    x = 1.0f + 0.1f * rng.normal();
  for (auto &x : p.beta)
    x = 0.1f * rng.normal();
  std::vector<double> ms;
  for (int it = 0; it < repeat + 1; ++it) { // first run is a warm-up
    std::vector<float> W = p.W, b = p.b;
    auto t0 = std::chrono::steady_clock::now();
    p.run(W, b);
    auto t1 = std::chrono::steady_clock::now();
    if (it)
      ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
  }
  double sum = 0;
  for (float x : p.o)
    sum += x;
  if (!std::isfinite(sum))
    return std::fprintf(stderr, "naive: non-finite output\n"), 1;
  std::vector<double> sorted = ms;
  std::sort(sorted.begin(), sorted.end());
  std::printf("{\"B\": %d, \"T\": %d, \"H\": %d, \"D\": %d, \"BT\": %d, "
              "\"time_ms\": %.4f, "
              "\"runs_ms\": [",
              p.d.B, p.d.T, p.d.H, p.d.D, p.d.BT, sorted[sorted.size() / 2]);
  for (size_t i = 0; i < ms.size(); ++i)
    std::printf("%s%.4f", i ? ", " : "", ms[i]);
  std::printf("], \"threads\": 1}\n");
  return 0;
}
