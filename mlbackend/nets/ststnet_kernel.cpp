// STSTNet first block, fused: conv3x3 (3 -> 16) + ReLU + batch-norm statistics + max-pool 3/3 (pad 1).
// Input: xpad (n, 3, P, P) float, already zero-padded; H = P - 2 conv output side (28 or 30).
// Weights: W (27, 16) = conv weight (16, 3, 3, 3) reshaped (16, 27) and transposed; bias (16).
#include <stdint.h>
#include <string.h>
#include <math.h>
typedef float v16f __attribute__((vector_size(64)));
typedef int32_t v16i __attribute__((vector_size(64)));
enum { NP = 10 };

static inline v16f load16(const float* p) { v16f v; memcpy(&v, p, 64); return v; }

enum { CHUNK = 32 };  // samples per partial sum: results do not depend on how calls split a batch

// The two convolution loops hold LANES channels per vector: the CPU's vector width (16 floats with
// AVX-512, 8 with AVX2, 4 otherwise), looping over the 16 channels in 16 / LANES groups. A 16-float
// vector on an AVX2 CPU is two registers, and 27 weights plus the accumulators of 16-float vectors
// spill out of its 16 registers. Every channel's arithmetic is the same for any LANES (the same
// operations in the same order), so the width changes the speed, not the floats.
#if defined(STSTNET_LANES)
enum { LANES = STSTNET_LANES };  // forced (the test that every width gives the same floats)
#elif defined(__AVX512F__)
enum { LANES = 16 };
#elif defined(__AVX__)
enum { LANES = 8 };
#else
enum { LANES = 4 };
#endif
template <int V> struct Vec;
template <> struct Vec<16> { typedef float f __attribute__((vector_size(64))); typedef int32_t i __attribute__((vector_size(64))); };
template <> struct Vec<8> { typedef float f __attribute__((vector_size(32))); typedef int32_t i __attribute__((vector_size(32))); };
template <> struct Vec<4> { typedef float f __attribute__((vector_size(16))); typedef int32_t i __attribute__((vector_size(16))); };
template <int V> static inline typename Vec<V>::f loadv(const float* p) {
    typename Vec<V>::f v; memcpy(&v, p, sizeof v); return v;
}

// Forward pass: z (B, H, H, 16), pooled relu maps (B, 16, 10, 10) at each window's max (sgn +1) or
// min (sgn -1), their flat positions `arg`, and per chunk of CHUNK samples the sum and the sum of
// squares of relu(z) per channel: sums[chunk][0 or 1][16] (double).
template <int H, int V>
static void forward(const float* xpad, const int64_t* idx, int B, const float* W, const float* bias,
                    const float* sgn, float* z, float* pooled, int32_t* arg, double* sums) {
    typedef typename Vec<V>::f vf;
    typedef typename Vec<V>::i vi;
    const int P = H + 2;
    double dsum[16] = {0}, dsq[16] = {0};
    for (int s = 0; s < B; s++) {
        if (s % CHUNK == 0) for (int c = 0; c < 16; c++) { dsum[c] = 0; dsq[c] = 0; }
        const float* x = xpad + idx[s] * 3 * P * P;
        float* zs = z + (int64_t)s * H * H * 16;
        for (int g = 0; g < 16; g += V) {
            vf w[27];
            for (int k = 0; k < 27; k++) w[k] = loadv<V>(W + 16 * k + g);
            const vf b = loadv<V>(bias + g), sg = loadv<V>(sgn + g);
            vf mx[NP];
            vi am[NP];
            for (int h = 0; h < H; h++) {
                const int ph = (h + 1) / 3;
                const bool pooled_row = ph < NP;
                if (pooled_row && (h == 0 || (h + 1) % 3 == 0))
                    for (int q = 0; q < NP; q++) { mx[q] = vf{} - INFINITY; am[q] = vi{}; }
                vf rrow = {0}, qrow = {0};
                for (int c0 = 0; c0 < H; c0 += 2) {
                    vf a[2][3];
                    for (int i = 0; i < 3; i++) {
                        const float* xr = x + i * P * P + h * P + c0;
                        vf e = w[i * 9] * xr[0], o = w[i * 9] * xr[1];
                        for (int dy = 0; dy < 3; dy++)
                            for (int dx = (dy == 0 ? 1 : 0); dx < 3; dx++) {
                                e += w[i * 9 + dy * 3 + dx] * xr[dy * P + dx];
                                o += w[i * 9 + dy * 3 + dx] * xr[dy * P + dx + 1];
                            }
                        a[0][i] = e; a[1][i] = o;
                    }
                    for (int j = 0; j < 2; j++) {
                        const int col = c0 + j;
                        const vf acc = b + (a[j][0] + a[j][1] + a[j][2]);
                        memcpy(zs + (h * H + col) * 16 + g, &acc, sizeof acc);
                        const vf r = acc > 0 ? acc : vf{};
                        rrow += r;
                        qrow += r * r;
                        const int pw = (col + 1) / 3;
                        if (pooled_row && pw < NP) {
                            const vf v = r * sg;
                            const vi gt = v > mx[pw];
                            mx[pw] = gt ? v : mx[pw];
                            am[pw] = gt ? (vi{} + (h * H + col)) : am[pw];
                        }
                    }
                }
                for (int c = 0; c < V; c++) { dsum[g + c] += rrow[c]; dsq[g + c] += (double)qrow[c]; }
                if (pooled_row && (h % 3 == 1 || h == H - 1)) {
                    for (int q = 0; q < NP; q++) {
                        const vf pv = mx[q] * sg;
                        for (int c = 0; c < V; c++) {
                            const int64_t o = (((int64_t)s * 16 + g + c) * NP + ph) * NP + q;
                            pooled[o] = pv[c];
                            arg[o] = am[q][c];
                        }
                    }
                }
            }
        }
        if (s % CHUNK == CHUNK - 1 || s == B - 1) {
            double* out = sums + (s / CHUNK) * 32;
            for (int c = 0; c < 16; c++) { out[c] = dsum[c]; out[16 + c] = dsq[c]; }
        }
    }
}

// Backward pass: dL/dz = [z > 0] * (A * (S - C1) - D * (z - mean)), S = the pooled gradient g at each
// window's arg-max; per chunk of CHUNK samples dL/dW (27, 16) then dL/db (16): grads[chunk][27 * 16 + 16].
template <int H, int V>
static void backward(const float* xpad, const int64_t* idx, int B, const float* z, const int32_t* arg,
                     const float* g, const float* Ap, const float* C1p, const float* Dp, const float* meanp,
                     double* grads) {
    typedef typename Vec<V>::f vf;
    typedef typename Vec<V>::i vi;
    const int P = H + 2;
    double dWd[27][16] = {{0}}, dbd[16] = {0};
    for (int s = 0; s < B; s++) {
        if (s % CHUNK == 0) {
            memset(dWd, 0, sizeof dWd);
            memset(dbd, 0, sizeof dbd);
        }
        const float* x = xpad + idx[s] * 3 * P * P;
        const float* zs = z + (int64_t)s * H * H * 16;
        for (int cg = 0; cg < 16; cg += V) {
            const vf A = loadv<V>(Ap + cg), C1 = loadv<V>(C1p + cg), D = loadv<V>(Dp + cg),
                     mean = loadv<V>(meanp + cg);
            vi ar[NP * NP];
            vf gg[NP * NP];
            for (int c = 0; c < V; c++)
                for (int q = 0; q < NP * NP; q++) {
                    ar[q][c] = arg[((int64_t)s * 16 + cg + c) * NP * NP + q];
                    gg[q][c] = g[((int64_t)s * 16 + cg + c) * NP * NP + q];
                }
            vf acc[27];
            for (int k = 0; k < 27; k++) acc[k] = vf{};
            vf bacc = {0};
            vf dzrow[H];
            for (int h = 0; h < H; h++) {
                const int ph = (h + 1) / 3;
                for (int c0 = 0; c0 < H; c0++) {
                    const int pw = (c0 + 1) / 3;
                    const vf zz = loadv<V>(zs + (h * H + c0) * 16 + cg);
                    vf S = {0};
                    if (ph < NP && pw < NP) {
                        const int q = ph * NP + pw;
                        const vi hit = ar[q] == (vi{} + (h * H + c0));
                        S = hit ? gg[q] : vf{};
                    }
                    vf dz = A * (S - C1) - D * (zz - mean);
                    dz = zz > 0 ? dz : vf{};
                    bacc += dz;
                    dzrow[c0] = dz;
                }
                for (int i = 0; i < 3; i++)
                    for (int dy = 0; dy < 3; dy++) {
                        const float* xr = x + i * P * P + (h + dy) * P;
                        vf e0 = {0}, e1 = {0}, e2 = {0}, o0 = {0}, o1 = {0}, o2 = {0};
                        for (int c0 = 0; c0 < H; c0 += 2) {
                            e0 += dzrow[c0] * xr[c0]; e1 += dzrow[c0] * xr[c0 + 1]; e2 += dzrow[c0] * xr[c0 + 2];
                            o0 += dzrow[c0 + 1] * xr[c0 + 1]; o1 += dzrow[c0 + 1] * xr[c0 + 2];
                            o2 += dzrow[c0 + 1] * xr[c0 + 3];
                        }
                        acc[i * 9 + dy * 3] += e0 + o0;
                        acc[i * 9 + dy * 3 + 1] += e1 + o1;
                        acc[i * 9 + dy * 3 + 2] += e2 + o2;
                    }
            }
            for (int k = 0; k < 27; k++)
                for (int c = 0; c < V; c++) dWd[k][cg + c] += acc[k][c];
            for (int c = 0; c < V; c++) dbd[cg + c] += bacc[c];
        }
        if (s % CHUNK == CHUNK - 1 || s == B - 1) {
            double* out = grads + (s / CHUNK) * (27 * 16 + 16);
            for (int k = 0; k < 27; k++)
                for (int c = 0; c < 16; c++) out[k * 16 + c] = dWd[k][c];
            for (int c = 0; c < 16; c++) out[27 * 16 + c] = dbd[c];
        }
    }
}


// The head, forward and backward, on the pooled maps of B samples: y = pooled * alpha + shift (batch
// norm), h = y * mask (dropout), a = avgpool2x2(h) (10 -> 5), logits = a @ Wfc^T + bfc, cross-entropy
// with `targets`; the gradients are those of the mean loss over `total` samples (the whole batch).
// Writes g = dL/dy (B, 16, 10, 10) and, per chunk of CHUNK samples, parts[chunk] = [sum of the losses,
// dL/dWfc (K x 400), dL/dbfc (K), dL/dgamma = sum g * xhat (16), dL/dbeta = sum g (16)] (double).
// Mask: bit j of the 32-bit words `bits` for element j of the samples (C order), kept units scaled
// by `scale`; else the float mask `fmask`; else none.
enum { MAXK = 64, FEAT = 16 * 25, MAPS = 16 * NP * NP };
static void head(int B, int K, int total, const float* pooled, const float* alpha, const float* shift,
                 const float* mean, const float* invstd, const int64_t* bits, const float* fmask, float scale,
                 const float* Wfc, const float* bfc, const int64_t* targets, float* g, double* parts) {
    static_assert(FEAT % 16 == 0, "FC width");
    const int width = 1 + K * FEAT + K + 32;
    float m[MAPS], h[MAPS], xh[MAPS], a[FEAT], da[FEAT], lg[MAXK], p[MAXK];
    float dw[MAXK * FEAT], db[MAXK], sg[MAPS], sgx[MAPS];
    double lsum = 0.0;
    for (int s = 0; s < B; s++) {
        if (s % CHUNK == 0) {
            lsum = 0.0;
            memset(dw, 0, sizeof(float) * K * FEAT);
            memset(db, 0, sizeof db);
            memset(sg, 0, sizeof sg);
            memset(sgx, 0, sizeof sgx);
        }
        const float* ps = pooled + (int64_t)s * MAPS;
        if (bits) {
            const int64_t* wd = bits + (int64_t)s * (MAPS / 32);
            for (int e = 0; e < MAPS; e++) m[e] = ((wd[e >> 5] >> (e & 31)) & 1) ? scale : 0.0f;
        } else if (fmask) {
            memcpy(m, fmask + (int64_t)s * MAPS, sizeof m);
        } else {
            for (int e = 0; e < MAPS; e++) m[e] = 1.0f;
        }
        for (int c = 0; c < 16; c++)
            for (int j = 0; j < NP * NP; j++) {
                const int e = c * NP * NP + j;
                h[e] = (ps[e] * alpha[c] + shift[c]) * m[e];
                xh[e] = (ps[e] - mean[c]) * invstd[c];
            }
        for (int c = 0; c < 16; c++)
            for (int i = 0; i < 5; i++)
                for (int j = 0; j < 5; j++) {
                    const float* hh = h + c * NP * NP + 2 * i * NP + 2 * j;
                    float sum = 0.0f;  // avg_pool2d's order: the window row by row, then / 4
                    sum += hh[0]; sum += hh[1]; sum += hh[NP]; sum += hh[NP + 1];
                    a[c * 25 + i * 5 + j] = sum / 4;
                }
        float top = -INFINITY;
        for (int k = 0; k < K; k++) {
            const float* wk = Wfc + (int64_t)k * FEAT;
            v16f acc = {0};
            for (int f = 0; f < FEAT; f += 16) acc += load16(a + f) * load16(wk + f);
            float dot = 0.0f;
            for (int l = 0; l < 16; l++) dot += acc[l];
            lg[k] = dot + bfc[k];
            if (lg[k] > top) top = lg[k];
        }
        double zsum = 0.0;
        for (int k = 0; k < K; k++) { p[k] = expf(lg[k] - top); zsum += p[k]; }
        const int y = (int)targets[s];
        lsum += (log(zsum) + top) - lg[y];
        for (int k = 0; k < K; k++) p[k] = (float)((p[k] / zsum - (k == y ? 1.0 : 0.0)) / total);  // dL/dlogits
        for (int f = 0; f < FEAT; f++) da[f] = 0.0f;
        for (int k = 0; k < K; k++) {
            const float* wk = Wfc + (int64_t)k * FEAT;
            float* dwk = dw + k * FEAT;
            for (int f = 0; f < FEAT; f++) { dwk[f] += p[k] * a[f]; da[f] += p[k] * wk[f]; }
            db[k] += p[k];
        }
        float* gs = g + (int64_t)s * MAPS;
        for (int c = 0; c < 16; c++)
            for (int i = 0; i < 5; i++)
                for (int j = 0; j < 5; j++) {
                    const float v = da[c * 25 + i * 5 + j] / 4;
                    const int e = c * NP * NP + 2 * i * NP + 2 * j;
                    gs[e] = v * m[e]; gs[e + 1] = v * m[e + 1];
                    gs[e + NP] = v * m[e + NP]; gs[e + NP + 1] = v * m[e + NP + 1];
                }
        for (int e = 0; e < MAPS; e++) { sg[e] += gs[e]; sgx[e] += gs[e] * xh[e]; }
        if (s % CHUNK == CHUNK - 1 || s == B - 1) {
            double* out = parts + (int64_t)(s / CHUNK) * width;
            out[0] = lsum;
            for (int f = 0; f < K * FEAT; f++) out[1 + f] = dw[f];
            for (int k = 0; k < K; k++) out[1 + K * FEAT + k] = db[k];
            for (int c = 0; c < 16; c++) {
                double t = 0.0, tx = 0.0;
                for (int j = 0; j < NP * NP; j++) { t += sg[c * NP * NP + j]; tx += sgx[c * NP * NP + j]; }
                out[1 + K * FEAT + K + c] = tx;
                out[1 + K * FEAT + K + 16 + c] = t;
            }
        }
    }
}

extern "C" {
int ststnet_abi(void) { return 4; }
int ststnet_lanes(void) { return LANES; }
int ststnet_chunk(void) { return CHUNK; }
int ststnet_max_classes(void) { return MAXK; }
void ststnet_forward(int H, const float* xpad, const int64_t* idx, int B, const float* W, const float* bias,
                     const float* sgn, float* z, float* pooled, int32_t* arg, double* sums) {
    if (H == 28) forward<28, LANES>(xpad, idx, B, W, bias, sgn, z, pooled, arg, sums);
    else forward<30, LANES>(xpad, idx, B, W, bias, sgn, z, pooled, arg, sums);
}
void ststnet_head(int B, int K, int total, const float* pooled, const float* alpha, const float* shift,
                  const float* mean, const float* invstd, const int64_t* bits, const float* fmask, float scale,
                  const float* Wfc, const float* bfc, const int64_t* targets, float* g, double* parts) {
    head(B, K, total, pooled, alpha, shift, mean, invstd, bits, fmask, scale, Wfc, bfc, targets, g, parts);
}
void ststnet_backward(int H, const float* xpad, const int64_t* idx, int B, const float* z, const int32_t* arg,
                      const float* g, const float* A, const float* C1, const float* D, const float* mean,
                      double* grads) {
    if (H == 28) backward<28, LANES>(xpad, idx, B, z, arg, g, A, C1, D, mean, grads);
    else backward<30, LANES>(xpad, idx, B, z, arg, g, A, C1, D, mean, grads);
}
}
