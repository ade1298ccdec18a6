//! ETS exponential smoothing state-space models (Hyndman et al. 2008), fitted and
//! selected as statsforecast 2.1.1's `AutoETS` (a port of R's `forecast::ets`):
//! maximum likelihood with statsforecast's Nelder-Mead, its bounds, initial
//! parameters and initial-state heuristics, then the model with the lowest AICc.
//!
//! ```
//! use tsforge_stats::{ets::AutoEts, SeriesModel};
//! let y: Vec<f64> = (0..40).map(|t| 10.0 + t as f64 + [2.0, -1.0, 0.5, -1.5][t % 4]).collect();
//! let f = AutoEts::new(4).fit(&y).unwrap().forecast(4, &[80]);
//! assert_eq!(f.mean.len(), 4);
//! assert!(f.mean[0] > 45.0 && f.mean[0] < 55.0);
//! ```
//!
//! Supported: error A/M, trend N/A/Ad, season N/A/M (multiplicative trend is off in
//! statsforecast's default search, and here). Prediction intervals: the analytic
//! variances of Hyndman et al. classes 1 to 3, as statsforecast computes them (normal
//! quantiles); the additive-error, multiplicative-season forms (class 4/5, which
//! statsforecast simulates) return no interval.

mod decompose;

pub(crate) use decompose::{acf, seasonal_decompose};

use crate::error::{Result, StatsError};
use crate::model::{FittedSeries, SeriesForecast, SeriesModel};
use crate::optim::{SfNelderMead, nelder_mead_sf};

/// One ETS component.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Component {
    /// None.
    N,
    /// Additive.
    A,
    /// Multiplicative.
    M,
}

const TOL: f64 = 1e-10;
const HUGE_N: f64 = 1e10;
const PHI_LOWER: f64 = 0.8;
const PHI_UPPER: f64 = 0.98;

impl Component {
    fn parse(c: char, allowed: &str) -> Result<Option<Component>> {
        if !allowed.contains(c) {
            return Err(StatsError::Param { name: "model".into(), reason: format!("component {c:?} must be one of {allowed}") });
        }
        Ok(match c {
            'N' => Some(Component::N),
            'A' => Some(Component::A),
            'M' => Some(Component::M),
            _ => None, // Z: search
        })
    }
    fn letter(self) -> char {
        match self {
            Component::N => 'N',
            Component::A => 'A',
            Component::M => 'M',
        }
    }
}

/// AutoETS: searches error (A/M), trend (N/A/Ad) and season (N/A/M) as statsforecast's
/// `AutoETS(season_length, model="ZZZ")`; `model` fixes components ("AAN" is Holt).
#[derive(Debug, Clone)]
pub struct AutoEts {
    pub season_length: usize,
    /// Three letters error/trend/season, each `Z` (search), `N`, `A` or `M`.
    pub model: String,
    /// `None` searches damped and undamped trends.
    pub damped: Option<bool>,
    pub alias: String,
}

impl AutoEts {
    /// statsforecast's `AutoETS(season_length=m)`.
    pub fn new(season_length: usize) -> AutoEts {
        AutoEts { season_length, model: "ZZZ".into(), damped: None, alias: "AutoETS".into() }
    }

    /// statsforecast's `Holt(season_length=m, error_type="A")`: ETS(A,A,N) with the
    /// damped and undamped trend compared by AICc (as statsforecast's Holt does).
    pub fn holt(season_length: usize) -> AutoEts {
        AutoEts { season_length, model: "AAN".into(), damped: None, alias: "Holt".into() }
    }

    /// statsforecast's `HoltWinters(season_length=m, error_type="A")`: ETS(A,A,A).
    pub fn holt_winters(season_length: usize) -> AutoEts {
        AutoEts { season_length, model: "AAA".into(), damped: None, alias: "HoltWinters".into() }
    }
}

impl SeriesModel for AutoEts {
    fn alias(&self) -> String {
        self.alias.clone()
    }

    fn fit(&self, y: &[f64]) -> Result<Box<dyn FittedSeries>> {
        let fit = ets_auto(y, self.season_length, &self.model, self.damped).map_err(|e| rename(e, &self.alias))?;
        Ok(Box::new(fit))
    }
}

fn rename(e: StatsError, alias: &str) -> StatsError {
    match e {
        StatsError::TooShort { len, needed, .. } => StatsError::TooShort { model: alias.into(), len, needed },
        StatsError::Failed { reason, .. } => StatsError::Failed { model: alias.into(), reason },
        other => other,
    }
}

fn failed(reason: impl Into<String>) -> StatsError {
    StatsError::Failed { model: "AutoETS".into(), reason: reason.into() }
}

/// A fitted ETS model.
#[derive(Debug, Clone)]
pub struct EtsFit {
    pub error: Component,
    pub trend: Component,
    pub season: Component,
    pub damped: bool,
    /// Season length the model uses (1 for non-seasonal models).
    pub m: usize,
    pub alpha: f64,
    /// 0 without a trend.
    pub beta: f64,
    /// 0 without a season.
    pub gamma: f64,
    /// 1 without damping.
    pub phi: f64,
    /// Initial state `[l, b?, s_1..s_m]` (`s_m` is the season used first).
    pub init_state: Vec<f64>,
    /// State after the last observation.
    pub last_state: Vec<f64>,
    /// -2 log-likelihood up to a constant, as statsforecast reports it.
    pub lik: f64,
    pub aic: f64,
    pub aicc: f64,
    pub bic: f64,
    pub sigma2: f64,
    /// Free parameters counted by the information criteria (including sigma).
    pub n_params: usize,
    pub residuals: Vec<f64>,
}

impl EtsFit {
    /// statsforecast's method string, e.g. `ETS(A,Ad,N)`.
    pub fn method(&self) -> String {
        format!("ETS({},{}{},{})", self.error.letter(), self.trend.letter(), if self.damped { "d" } else { "" }, self.season.letter())
    }

    /// Mean forecast `h` steps ahead.
    pub fn mean(&self, h: usize) -> Vec<f64> {
        let has_t = self.trend != Component::N;
        let l = self.last_state[0];
        let b = if has_t { self.last_state[1] } else { 0.0 };
        let s = if self.season != Component::N { &self.last_state[1 + usize::from(has_t)..] } else { &[][..] };
        let mut f = vec![0.0; h];
        forecast_into(&mut f, l, b, s, self.m.max(1), self.trend, self.season, self.phi);
        f
    }

    /// Forecast variances (sigma_h^2) for the analytic classes, or `None`.
    fn variances(&self, mean: &[f64]) -> Option<Vec<f64>> {
        use Component::*;
        let h = mean.len();
        let (a, b, g, p, s2) = (self.alpha, self.beta, self.gamma, self.phi, self.sigma2);
        let m = self.m.max(1) as f64;
        let steps: Vec<f64> = (1..=h).map(|k| k as f64).collect();
        let hm = if h == 0 { 0.0 } else { ((h as f64 - 1.0) / m).floor() };
        let d = self.damped;
        let exp1 = |k: f64| a * a + a * b * k + (1.0 / 6.0) * b * b * k * (2.0 * k - 1.0);
        let exp2 = |k: f64| (b * p * k) / (1.0 - p).powi(2);
        let exp3 = 2.0 * a * (1.0 - p) + b * p;
        let exp4 = |k: f64| (b * p * (1.0 - p.powf(k))) / ((1.0 - p).powi(2) * (1.0 - p * p));
        let exp5 = |k: f64| 2.0 * a * (1.0 - p * p) + b * p * (1.0 + 2.0 * p - p.powf(k));
        let class2 = |cvals: Vec<f64>| -> Vec<f64> {
            // theta_k = mu_k^2 + sigma^2 sum_j c_j^2 theta_{k-j}
            let mut theta = vec![0.0; h];
            for k in 0..h {
                let sum: f64 = (0..k).map(|j| cvals[j] * cvals[j] * theta[k - 1 - j]).sum();
                theta[k] = mean[k] * mean[k] + if k == 0 { 0.0 } else { s2 * sum };
            }
            (0..h).map(|k| (1.0 + s2) * theta[k] - mean[k] * mean[k]).collect()
        };
        let dvals: Vec<f64> = (1..=h).map(|k| if k % self.m.max(1) == 0 { 1.0 } else { 0.0 }).collect();
        let sum_phi = |k: usize| (1..=k).map(|j| p.powi(j as i32)).sum::<f64>();
        let v = match (self.error, self.trend, self.season, d) {
            (A, N, N, false) => steps.iter().map(|k| s2 * (1.0 + a * a * (k - 1.0))).collect(),
            (A, A, N, false) => steps.iter().map(|&k| s2 * (1.0 + (k - 1.0) * exp1(k))).collect(),
            (A, A, N, true) => steps.iter().map(|&k| s2 * (1.0 + a * a * (k - 1.0) + exp2(k) * exp3 - exp4(k) * exp5(k))).collect(),
            (A, N, A, false) => steps.iter().map(|&k| s2 * (1.0 + a * a * (k - 1.0) + g * hm * (2.0 * a + g))).collect(),
            (A, A, A, false) => {
                let exp6 = 2.0 * a + g + b * m * (hm + 1.0);
                steps.iter().map(|&k| s2 * (1.0 + (k - 1.0) * exp1(k) + g * hm * exp6)).collect()
            }
            (A, A, A, true) => {
                let pm = p.powf(m);
                let exp7 = (2.0 * b * g * p) / ((1.0 - p) * (1.0 - pm));
                let exp8 = hm * (1.0 - pm) - pm * (1.0 - p.powf(m * hm));
                steps.iter().map(|&k| s2 * (1.0 + a * a * (k - 1.0) + exp2(k) * exp3 - exp4(k) * exp5(k) + g * hm * (2.0 * a + g) + exp7 * exp8)).collect()
            }
            (M, N, N, false) => class2(vec![a; h]),
            (M, A, N, false) => class2(steps.iter().map(|k| a + b * k).collect()),
            (M, A, N, true) => class2((1..=h).map(|k| a + b * sum_phi(k)).collect()),
            (M, N, A, false) => class2(dvals.iter().map(|dv| a + g * dv).collect()),
            // statsforecast 2.1.1 writes alpha * beta * h here (Hyndman et al. have
            // alpha + beta * h); kept for parity.
            (M, A, A, false) => class2(steps.iter().zip(&dvals).map(|(k, dv)| a * b * k + g * dv).collect()),
            (M, A, A, true) => class2((1..=h).map(|k| a + b * sum_phi(k) + g * dvals[k - 1]).collect()),
            (M, _, M, _) => self.class3(h),
            _ => return None,
        };
        Some(v)
    }

    /// Class 3 (multiplicative error and season): statsforecast's `_class3models`,
    /// the moment recursion of Hyndman et al. (2008, ch. 6) on Kronecker products.
    /// As in statsforecast 2.1.1, the mean matrix is not advanced inside the loop.
    fn class3(&self, h: usize) -> Vec<f64> {
        type Mat = Vec<Vec<f64>>;
        fn zeros(r: usize, c: usize) -> Mat {
            vec![vec![0.0; c]; r]
        }
        fn mul(a: &Mat, b: &Mat) -> Mat {
            let (r, k, c) = (a.len(), b.len(), b[0].len());
            let mut out = zeros(r, c);
            for i in 0..r {
                for j in 0..c {
                    out[i][j] = (0..k).map(|t| a[i][t] * b[t][j]).sum();
                }
            }
            out
        }
        fn t(a: &Mat) -> Mat {
            (0..a[0].len()).map(|j| a.iter().map(|row| row[j]).collect()).collect()
        }
        fn kron(a: &Mat, b: &Mat) -> Mat {
            let (ra, ca, rb, cb) = (a.len(), a[0].len(), b.len(), b[0].len());
            let mut out = zeros(ra * rb, ca * cb);
            for i in 0..ra {
                for j in 0..ca {
                    for k in 0..rb {
                        for l in 0..cb {
                            out[i * rb + k][j * cb + l] = a[i][j] * b[k][l];
                        }
                    }
                }
            }
            out
        }
        fn add(a: &Mat, b: &Mat, s: f64) -> Mat {
            a.iter().zip(b).map(|(x, y)| x.iter().zip(y).map(|(u, v)| u + s * v).collect()).collect()
        }
        let m = self.m.max(1);
        let sigma = self.sigma2;
        let (a, b, g, phi) = (self.alpha, self.beta, self.gamma, self.phi);
        let p = self.last_state.len();
        let has_t = self.trend != Component::N;
        let h1: Mat = if has_t { vec![vec![1.0, 1.0]] } else { vec![vec![1.0]] };
        let mut h2 = zeros(1, m);
        h2[0][m - 1] = 1.0;
        let (f1, g1): (Mat, Mat) = if has_t {
            let f = if self.damped { phi } else { 1.0 };
            (vec![vec![1.0, 1.0], vec![0.0, f]], vec![vec![a, a], vec![b, b]])
        } else {
            (vec![vec![1.0]], vec![vec![a]])
        };
        let mut f2 = zeros(m, m);
        f2[0][m - 1] = 1.0;
        for i in 1..m {
            f2[i][i - 1] = 1.0;
        }
        let mut g2 = zeros(m, m);
        g2[0][m - 1] = g;
        let lead = &self.last_state[..p - m];
        let seas = &self.last_state[p - m..];
        let mh: Mat = lead.iter().map(|l| seas.iter().map(|s| l * s).collect()).collect();
        let km = mh.len() * m;
        let mut vh = zeros(km, km);
        let h21 = kron(&h2, &h1);
        let f21 = kron(&f2, &f1);
        let g21 = kron(&g2, &g1);
        let kk = add(&kron(&g2, &f1), &kron(&f2, &g1), 1.0);
        let (f21t, g21t, kkt, h21t) = (t(&f21), t(&g21), t(&kk), t(&h21));
        let mu = mul(&h1, &mul(&mh, &t(&h2)))[0][0];
        let vec_mh: Vec<f64> = mh.iter().flatten().copied().collect();
        let outer: Mat = vec_mh.iter().map(|x| vec_mh.iter().map(|y| x * y).collect()).collect();
        let mut var = Vec::with_capacity(h);
        for _ in 0..h {
            var.push((1.0 + sigma) * mul(&h21, &mul(&vh, &h21t))[0][0] + sigma * mu * mu);
            let e1 = mul(&f21, &mul(&vh, &f21t));
            let e2 = mul(&f21, &mul(&vh, &g21t));
            let e3 = mul(&g21, &mul(&vh, &f21t));
            let e4 = mul(&kk, &mul(&add(&vh, &outer, 1.0), &kkt));
            let inner: Mat = vh.iter().zip(&outer).map(|(x, y)| x.iter().zip(y).map(|(u, v)| 3.0 * u + 2.0 * v).collect()).collect();
            let e5: Mat = mul(&g21, &mul(&inner, &g21t)).into_iter().map(|r| r.into_iter().map(|v| sigma * v).collect()).collect();
            let rest = add(&add(&add(&e2, &e3, 1.0), &e4, 1.0), &e5, 1.0);
            vh = add(&e1, &rest, sigma);
        }
        var
    }
}

impl FittedSeries for EtsFit {
    fn forecast(&self, h: usize, levels: &[u8]) -> SeriesForecast {
        let mean = self.mean(h);
        let mut out = SeriesForecast::point(mean.clone());
        if levels.is_empty() {
            return out;
        }
        if let Some(var) = self.variances(&mean) {
            for &lv in levels {
                let z = normal_quantile(0.5 + f64::from(lv) / 200.0);
                let sd: Vec<f64> = var.iter().map(|v| v.sqrt()).collect();
                let lo = mean.iter().zip(&sd).map(|(m, s)| m - z * s).collect();
                let hi = mean.iter().zip(&sd).map(|(m, s)| m + z * s).collect();
                out.intervals.push((lv, lo, hi));
            }
        }
        out
    }
}

/// `f[i]` for i = 0..h from level `l`, growth `b`, seasons `s` (length m, `s[m-1]`
/// is the next season).
#[allow(clippy::too_many_arguments, clippy::needless_range_loop)]
fn forecast_into(f: &mut [f64], l: f64, b: f64, s: &[f64], m: usize, trend: Component, season: Component, phi: f64) {
    let h = f.len();
    let mut phistar = phi;
    for i in 0..h {
        f[i] = match trend {
            Component::N => l,
            Component::A => l + phistar * b,
            Component::M => {
                if b < 0.0 {
                    f64::NAN
                } else {
                    l * b.powf(phistar)
                }
            }
        };
        if season != Component::N {
            let j = m - 1 - i % m;
            match season {
                Component::A => f[i] += s[j],
                Component::M => f[i] *= s[j],
                Component::N => {}
            }
        }
        if i + 1 < h {
            if (phi - 1.0).abs() < TOL {
                phistar += 1.0;
            } else {
                phistar += phi.powf((i + 1) as f64);
            }
        }
    }
}

/// Runs the model over `y` from `x0` (`[l, b?, s_1..s_m]`, full seasonal state).
/// Returns `-2 log L` (statsforecast's `lik`) and the final state; the residuals go
/// to `e` when given. The seasons live in a ring buffer (statsforecast copies them
/// every step; the arithmetic is the same).
#[allow(clippy::too_many_arguments)]
fn calc(y: &[f64], x0: &[f64], m: usize, error: Component, trend: Component, season: Component, alpha: f64, beta: f64, gamma: f64, phi: f64, mut e: Option<&mut Vec<f64>>) -> (f64, Vec<f64>) {
    let m = m.max(1);
    let has_t = trend != Component::N;
    let has_s = season != Component::N;
    let mut l = x0[0];
    let mut b = if has_t { x0[1] } else { 0.0 };
    // logical season j is ring[(head + j) % m]; s_m (index m-1) is the one due now
    let mut ring: Vec<f64> = if has_s { x0[1 + usize::from(has_t)..1 + usize::from(has_t) + m].to_vec() } else { Vec::new() };
    let mut head = 0usize;
    let mut lik = 0.0;
    let mut lik2 = 0.0;
    if let Some(e) = e.as_deref_mut() {
        e.clear();
    }
    for &yi in y {
        let old_l = l;
        let old_b = b;
        let last = if has_s { (head + m - 1) % m } else { 0 };
        let old_sm = if has_s { ring[last] } else { 0.0 };
        // one-step forecast
        let mut f0 = match trend {
            Component::N => old_l,
            Component::A => old_l + phi * old_b,
            Component::M => {
                if old_b < 0.0 {
                    f64::NAN
                } else {
                    old_l * old_b.powf(phi)
                }
            }
        };
        match season {
            Component::A => f0 += old_sm,
            Component::M => f0 *= old_sm,
            Component::N => {}
        }
        let ei = if error == Component::A {
            yi - f0
        } else {
            let d = if f0.abs() < TOL { f0 + TOL } else { f0 };
            (yi - f0) / d
        };
        if let Some(e) = e.as_deref_mut() {
            e.push(ei);
        }
        // update
        let (q, phi_b) = match trend {
            Component::N => (old_l, 0.0),
            Component::A => (old_l + phi * old_b, phi * old_b),
            Component::M => {
                if (phi - 1.0).abs() < TOL {
                    (old_l * old_b, old_b)
                } else {
                    let pb = old_b.powf(phi);
                    (old_l * pb, pb)
                }
            }
        };
        let p = match season {
            Component::N => yi,
            Component::A => yi - old_sm,
            Component::M => {
                if old_sm.abs() < TOL {
                    HUGE_N
                } else {
                    yi / old_sm
                }
            }
        };
        l = q + alpha * (p - q);
        if has_t {
            let r = if trend == Component::A {
                l - old_l
            } else if old_l.abs() < TOL {
                HUGE_N
            } else {
                l / old_l
            };
            b = phi_b + (beta / alpha) * (r - phi_b);
        }
        if has_s {
            let t = match season {
                Component::A => yi - q,
                _ => {
                    if q.abs() < TOL {
                        HUGE_N
                    } else {
                        yi / q
                    }
                }
            };
            // shift right by one: the slot of s_m becomes the new s_1
            ring[last] = old_sm + gamma * (t - old_sm);
            head = last;
        }
        lik += ei * ei;
        let val = f0.abs();
        lik2 += if val > 0.0 { val.ln() } else { (val + 1e-8).ln() };
    }
    let n = y.len() as f64;
    let mut lik = if lik > 0.0 { n * lik.ln() } else { n * (lik + 1e-8).ln() };
    if error == Component::M {
        lik += 2.0 * lik2;
    }
    let mut state = vec![l];
    if has_t {
        state.push(b);
    }
    state.extend((0..ring.len()).map(|j| ring[(head + j) % m]));
    (lik, state)
}

#[allow(clippy::needless_range_loop)]
/// Ordinary least squares by Householder QR (`x` row-major n×p, full column rank
/// assumed; a rank-deficient column gets a zero coefficient).
fn lstsq(x: &[Vec<f64>], y: &[f64]) -> Vec<f64> {
    let n = x.len();
    let p = x.first().map_or(0, Vec::len);
    let mut a: Vec<Vec<f64>> = x.to_vec();
    let mut r = y.to_vec();
    for k in 0..p.min(n) {
        let norm: f64 = (k..n).map(|i| a[i][k] * a[i][k]).sum::<f64>().sqrt();
        if norm == 0.0 {
            continue;
        }
        let alpha = if a[k][k] > 0.0 { -norm } else { norm };
        let mut v: Vec<f64> = (k..n).map(|i| a[i][k]).collect();
        v[0] -= alpha;
        let vnorm2: f64 = v.iter().map(|t| t * t).sum();
        if vnorm2 == 0.0 {
            continue;
        }
        for j in k..p {
            let dot: f64 = (k..n).map(|i| v[i - k] * a[i][j]).sum();
            let c = 2.0 * dot / vnorm2;
            for i in k..n {
                a[i][j] -= c * v[i - k];
            }
        }
        let dot: f64 = (k..n).map(|i| v[i - k] * r[i]).sum();
        let c = 2.0 * dot / vnorm2;
        for i in k..n {
            r[i] -= c * v[i - k];
        }
    }
    let mut beta = vec![0.0; p];
    for k in (0..p.min(n)).rev() {
        let s: f64 = ((k + 1)..p).map(|j| a[k][j] * beta[j]).sum();
        beta[k] = if a[k][k].abs() > 1e-300 { (r[k] - s) / a[k][k] } else { 0.0 };
    }
    beta
}

/// statsforecast's `initstate`: `[l0, b0?, s_{m-1}..s_1]` (m-1 seasons; the last is
/// implied by the normalisation).
fn initstate(y: &[f64], m: usize, trend: Component, season: Component) -> Result<Vec<f64>> {
    let n = y.len();
    let (init_seas, y_sa, m) = if season != Component::N {
        if n < 4 {
            return Err(StatsError::TooShort { model: "AutoETS".into(), len: n, needed: 4 });
        }
        let seasonal: Vec<f64> = if n < 3 * m {
            // simple Fourier model: y ~ 1 + t + cos + sin
            if m <= 2 {
                return Err(failed("seasonal period too short for the Fourier initialisation"));
            }
            let w = 2.0 * std::f64::consts::PI / m as f64;
            let x: Vec<Vec<f64>> = (1..=n).map(|t| vec![1.0, t as f64, (w * t as f64).cos(), (w * t as f64).sin()]).collect();
            let c = lstsq(&x, y);
            if season == Component::A {
                y.iter().enumerate().map(|(i, v)| v - c[0] - c[1] * (i + 1) as f64).collect()
            } else {
                if y.iter().any(|&v| v <= 0.0) {
                    return Err(failed("multiplicative seasonality needs positive data"));
                }
                y.iter().enumerate().map(|(i, v)| v / (c[0] + c[1] * (i + 1) as f64)).collect()
            }
        } else {
            seasonal_decompose(y, m, season == Component::M).ok_or_else(|| failed("seasonal decomposition failed"))?.seasonal
        };
        let mut init: Vec<f64> = seasonal[1..m].iter().rev().copied().collect();
        let y_sa: Vec<f64> = if season == Component::A {
            y.iter().zip(&seasonal).map(|(v, s)| v - s).collect()
        } else {
            for v in init.iter_mut() {
                *v = v.max(1e-2);
            }
            let sum: f64 = init.iter().sum();
            if sum > m as f64 {
                let denom: f64 = init.iter().map(|v| v + 1e-2).sum();
                for v in init.iter_mut() {
                    *v /= denom;
                }
            }
            y.iter().zip(&seasonal).map(|(v, s)| v / s.max(1e-2)).collect()
        };
        (init, y_sa, m)
    } else {
        (Vec::new(), y.to_vec(), 1)
    };
    let maxn = (10usize.max(2 * m)).min(y_sa.len());
    let mut out = Vec::with_capacity(2 + init_seas.len());
    if trend == Component::N {
        out.push(y_sa[..maxn].iter().sum::<f64>() / maxn as f64);
    } else {
        let x: Vec<Vec<f64>> = (1..=maxn).map(|t| vec![1.0, t as f64]).collect();
        let c = lstsq(&x, &y_sa[..maxn]);
        let (l, b) = (c[0], c[1]);
        if trend == Component::A {
            let (mut l0, mut b0) = (l, b);
            if (l0 + b0).abs() < 1e-8 {
                l0 *= 1.0 + 1e-3;
                b0 *= 1.0 - 1e-3;
            }
            out.push(l0);
            out.push(b0);
        } else {
            let mut l0 = l + b;
            if l0.abs() < 1e-8 {
                l0 = 1e-7;
            }
            let mut b0 = (l + 2.0 * b) / l0;
            let div = if b0.abs() <= 1e-8 { 1e-8 } else { b0 };
            l0 /= div;
            if b0.abs() > 1e10 {
                b0 = b0.signum() * 1e10;
            }
            if l0 < 1e-8 || b0 < 1e-8 {
                l0 = y_sa[0].max(1e-3);
                let div = if y_sa[0].abs() <= 1e-8 { 1e-8 } else { y_sa[0] };
                b0 = (y_sa[1] / div).max(1e-3);
            }
            out.push(l0);
            out.push(b0);
        }
    }
    out.extend(init_seas);
    Ok(out)
}

/// statsforecast's `admissible` (the characteristic-equation test for seasonal models).
fn admissible(alpha: f64, beta: Option<f64>, gamma: Option<f64>, phi: Option<f64>, m: usize) -> bool {
    let phi = phi.unwrap_or(1.0);
    if !(0.0..=1.0 + 1e-8).contains(&phi) {
        return false;
    }
    match gamma {
        None => {
            if alpha < 1.0 - 1.0 / phi || alpha > 1.0 + 1.0 / phi {
                return false;
            }
            if let Some(beta) = beta
                && (beta < alpha * (phi - 1.0) || beta > (1.0 + phi) * (2.0 - alpha))
            {
                return false;
            }
        }
        Some(gamma) if m > 1 => {
            let beta = beta.unwrap_or(0.0);
            let mf = m as f64;
            if gamma < (1.0 - 1.0 / phi - alpha).max(0.0) || gamma > 1.0 + 1.0 / phi - alpha {
                return false;
            }
            if alpha < 1.0 - 1.0 / phi - gamma * (1.0 - mf + phi + phi * mf) / (2.0 * phi * mf) {
                return false;
            }
            if beta < -(1.0 - phi) * (gamma / mf + alpha) {
                return false;
            }
            // coefficients, lowest degree first; degree m + 1, monic
            let mut p = vec![phi * (1.0 - alpha - gamma), alpha + beta - alpha * phi + gamma - 1.0];
            p.extend(std::iter::repeat_n(alpha + beta - alpha * phi, m - 2));
            p.push(alpha + beta - phi);
            p.push(1.0);
            if max_root_modulus(&p) > 1.0 + 1e-10 {
                return false;
            }
        }
        Some(_) => {}
    }
    true
}

/// Largest modulus among the roots of the monic polynomial with coefficients `c`
/// (lowest degree first, `c.last() == 1`), by Durand-Kerner iteration.
fn max_root_modulus(c: &[f64]) -> f64 {
    let deg = c.len() - 1;
    if deg == 0 {
        return 0.0;
    }
    type C = (f64, f64);
    let mul = |a: C, b: C| (a.0 * b.0 - a.1 * b.1, a.0 * b.1 + a.1 * b.0);
    let sub = |a: C, b: C| (a.0 - b.0, a.1 - b.1);
    let div = |a: C, b: C| {
        let d = b.0 * b.0 + b.1 * b.1;
        ((a.0 * b.0 + a.1 * b.1) / d, (a.1 * b.0 - a.0 * b.1) / d)
    };
    let eval = |z: C| {
        c.iter().rev().fold((0.0, 0.0), |acc, &k| {
            let t = mul(acc, z);
            (t.0 + k, t.1)
        })
    };
    let bound = 1.0 + c[..deg].iter().fold(0.0f64, |a, v| a.max(v.abs()));
    let mut z: Vec<C> = (0..deg)
        .map(|k| {
            let ang = 2.0 * std::f64::consts::PI * k as f64 / deg as f64 + 0.4;
            (0.5 * bound * ang.cos(), 0.5 * bound * ang.sin())
        })
        .collect();
    for _ in 0..500 {
        let mut delta = 0.0f64;
        for i in 0..deg {
            let mut den = (1.0, 0.0);
            for j in 0..deg {
                if i != j {
                    den = mul(den, sub(z[i], z[j]));
                }
            }
            if den.0 == 0.0 && den.1 == 0.0 {
                den = (1e-12, 0.0);
            }
            let step = div(eval(z[i]), den);
            z[i] = sub(z[i], step);
            delta = delta.max(step.0.abs() + step.1.abs());
        }
        if delta < 1e-14 {
            break;
        }
    }
    z.iter().map(|v| (v.0 * v.0 + v.1 * v.1).sqrt()).fold(0.0, f64::max)
}

/// Parameter bounds `[alpha, beta, gamma, phi]`, mutated by `initparam` across the
/// model search exactly as statsforecast's shared numpy arrays are.
#[derive(Debug, Clone)]
struct Bounds {
    lower: [f64; 4],
    upper: [f64; 4],
}

impl Default for Bounds {
    fn default() -> Self {
        Bounds { lower: [1e-4, 1e-4, 1e-4, PHI_LOWER], upper: [0.9999, 0.9999, 0.9999, PHI_UPPER] }
    }
}

struct Candidate {
    error: Component,
    trend: Component,
    season: Component,
    damped: bool,
}

/// Fits one ETS form (statsforecast's `etsmodel`); `Ok(None)` where statsforecast
/// returns an infinite AICc (too many parameters for the data).
fn etsmodel(y: &[f64], m: usize, c: &Candidate, fixed_alpha: Option<f64>, bounds: &mut Bounds) -> Result<Option<EtsFit>> {
    let m = if c.season == Component::N { 1 } else { m };
    let (lower, upper) = (&bounds.lower, &mut bounds.upper);
    let mf = m as f64;
    // initparam
    let alpha = match fixed_alpha {
        Some(a) => a,
        None => {
            let a = lower[0] + 0.2 * (upper[0] - lower[0]) / mf;
            if !(0.0..=1.0).contains(&a) { lower[0] + 2e-3 } else { a }
        }
    };
    let beta = if c.trend != Component::N {
        upper[1] = upper[1].min(alpha);
        let b = lower[1] + 0.1 * (upper[1] - lower[1]);
        Some(if b < 0.0 || b > alpha { alpha - 1e-3 } else { b })
    } else {
        None
    };
    let gamma = if c.season != Component::N {
        upper[2] = upper[2].min(1.0 - alpha);
        let g = lower[2] + 0.05 * (upper[2] - lower[2]);
        Some(if g < 0.0 || g > 1.0 - alpha { 1.0 - alpha - 1e-3 } else { g })
    } else {
        None
    };
    let phi = if c.damped {
        let p = lower[3] + 0.99 * (upper[3] - lower[3]);
        Some(if !(0.0..=1.0).contains(&p) { upper[3] - 1e-3 } else { p })
    } else {
        None
    };
    // check_param, bounds = "both"
    let in_range = {
        let mut ok = alpha >= lower[0] && alpha <= upper[0];
        if let Some(b) = beta {
            ok &= !(b < lower[1] || b > alpha || b > upper[1]);
        }
        if let Some(p) = phi {
            ok &= !(p < lower[3] || p > upper[3]);
        }
        if let Some(g) = gamma {
            ok &= !(g < lower[2] || g > 1.0 - alpha || g > upper[2]);
        }
        ok
    };
    if !in_range || !admissible(alpha, beta, gamma, phi, m) {
        return Err(failed("initial parameters out of range"));
    }
    let init = initstate(y, m, c.trend, c.season)?;
    let nstate = init.len();
    let mut x0 = vec![alpha];
    let mut lo = vec![lower[0]];
    let mut hi = vec![upper[0]];
    for (k, v) in [(1, beta), (2, gamma), (3, phi)] {
        if let Some(v) = v {
            x0.push(v);
            lo.push(lower[k]);
            hi.push(upper[k]);
        }
    }
    let npar = x0.len();
    x0.extend_from_slice(&init);
    lo.extend(std::iter::repeat_n(f64::NEG_INFINITY, nstate));
    hi.extend(std::iter::repeat_n(f64::INFINITY, nstate));
    let np = x0.len();
    if np + 1 >= y.len() {
        return Ok(None);
    }
    let (opt_a, opt_b, opt_g, opt_p) = (fixed_alpha.is_none(), beta.is_some(), gamma.is_some(), phi.is_some());
    let has_t = c.trend != Component::N;
    let has_s = c.season != Component::N;
    let full_state = |params: &[f64]| -> Vec<f64> {
        let mut st = params[params.len() - nstate..].to_vec();
        if has_s {
            let start = 1 + usize::from(has_t);
            let sum: f64 = st[start..].iter().sum();
            st.push(if c.season == Component::M { mf } else { 0.0 } - sum);
        }
        st
    };
    let unpack = |params: &[f64]| -> (f64, f64, f64, f64) {
        let mut j = 0;
        let mut next = |on: bool, default: f64| {
            if on {
                j += 1;
                params[j - 1]
            } else {
                default
            }
        };
        let a = next(opt_a, alpha);
        let b = next(opt_b, beta.unwrap_or(0.0));
        let g = next(opt_g, gamma.unwrap_or(0.0));
        let p = next(opt_p, phi.unwrap_or(1.0));
        (a, b, g, p)
    };
    let mut objective = |params: &[f64]| -> f64 {
        let (a, b, g, p) = unpack(params);
        let st = full_state(params);
        if c.season == Component::M && st[1 + usize::from(has_t)..].iter().any(|&v| v < 0.0) {
            return f64::INFINITY;
        }
        let (mut lik, _) = calc(y, &st, m, c.error, c.trend, c.season, a, b, g, p, None);
        // std::max(lik, -1e10) keeps NaN; NaN then counts as -inf, as in statsforecast
        if lik < -1e10 {
            lik = -1e10;
        }
        if lik.is_nan() || (lik + 99999.0).abs() < 1e-7 {
            lik = f64::NEG_INFINITY;
        }
        lik
    };
    let (fit_par, _, _) = nelder_mead_sf(&mut objective, &x0, &lo, &hi, &SfNelderMead::default());
    // read back: statsforecast takes the slots in order, fixed or not
    let mut j = 0;
    let alpha = fit_par[j];
    j += 1;
    let beta = if has_t {
        let v = fit_par[j];
        j += 1;
        v
    } else {
        0.0
    };
    let gamma = if has_s {
        let v = fit_par[j];
        j += 1;
        v
    } else {
        0.0
    };
    let phi = if c.damped { fit_par[j] } else { 1.0 };
    debug_assert!(j <= npar);
    let init_state = full_state(&fit_par);
    let mut resid = Vec::with_capacity(y.len());
    let (mut lik, last_state) = calc(y, &init_state, m, c.error, c.trend, c.season, alpha, beta, gamma, phi, Some(&mut resid));
    if (lik + 99999.0).abs() < 1e-7 {
        lik = f64::NAN;
    }
    let n = y.len() as f64;
    let k = (np + 1) as f64;
    let aic = lik + 2.0 * k;
    let bic = lik + n.ln() * k;
    let aicc = if n - k - 1.0 != 0.0 { aic + 2.0 * k * (k + 1.0) / (n - k - 1.0) } else { f64::INFINITY };
    let sigma2 = resid.iter().map(|v| v * v).sum::<f64>() / (n - k - 1.0);
    Ok(Some(EtsFit {
        error: c.error,
        trend: c.trend,
        season: c.season,
        damped: c.damped,
        m,
        alpha,
        beta,
        gamma,
        phi,
        init_state,
        last_state,
        lik,
        aic,
        aicc,
        bic,
        sigma2,
        n_params: np + 1,
        residuals: resid,
    }))
}

/// statsforecast's `ets_f` with the default settings (AICc, likelihood, bounds "both",
/// restricted models, no multiplicative trend).
pub fn ets_auto(y: &[f64], m: usize, model: &str, damped: Option<bool>) -> Result<EtsFit> {
    let letters: Vec<char> = model.chars().collect();
    if letters.len() != 3 {
        return Err(StatsError::Param { name: "model".into(), reason: format!("{model:?} must have three letters (error, trend, season)") });
    }
    let error = Component::parse(letters[0], "AMZ")?;
    let mut trend = Component::parse(letters[1], "NAZ")?;
    let mut season = Component::parse(letters[2], "NAMZ")?;
    let n = y.len();
    if n == 0 {
        return Err(StatsError::TooShort { model: "AutoETS".into(), len: n, needed: 7 });
    }
    if y.iter().any(|v| !v.is_finite()) {
        return Err(failed("non-finite value in the history"));
    }
    let mut bounds = Bounds::default();
    if y.iter().all(|&v| v == y[0]) {
        let c = Candidate { error: Component::A, trend: Component::N, season: Component::N, damped: false };
        return etsmodel(y, m, &c, Some(0.9999), &mut bounds)?.ok_or_else(|| StatsError::TooShort { model: "AutoETS".into(), len: n, needed: 4 });
    }
    if m < 1 || n <= m {
        season = Some(Component::N);
    }
    if m == 1 {
        if matches!(season, Some(Component::A | Component::M)) {
            return Err(StatsError::Param { name: "model".into(), reason: "seasonal model on non-seasonal data (season length 1)".into() });
        }
        season = Some(Component::N);
    }
    if (error == Some(Component::A) && (trend == Some(Component::M) || season == Some(Component::M))) || (error == Some(Component::M) && trend == Some(Component::M) && season == Some(Component::A)) {
        return Err(StatsError::Param { name: "model".into(), reason: "forbidden model combination".into() });
    }
    let positive = y.iter().all(|&v| v > 0.0);
    if !positive && error == Some(Component::M) {
        return Err(failed("multiplicative error needs strictly positive data"));
    }
    let mut npars = 2;
    if matches!(trend, Some(Component::A | Component::M)) {
        npars += 2;
    }
    if matches!(season, Some(Component::A | Component::M)) {
        npars += 2;
    }
    if damped == Some(true) {
        npars += 1;
    }
    if n <= npars + 4 {
        return Err(StatsError::TooShort { model: "AutoETS".into(), len: n, needed: npars + 5 });
    }
    let errors = error.map_or(vec![Component::A, Component::M], |e| vec![e]);
    let trends = trend.take().map_or(vec![Component::N, Component::A], |t| vec![t]);
    let seasons = season.take().map_or(vec![Component::N, Component::A, Component::M], |s| vec![s]);
    let dampeds = damped.map_or(vec![true, false], |d| vec![d]);
    let mut best: Option<EtsFit> = None;
    let mut best_ic = f64::INFINITY;
    for &e in &errors {
        for &t in &trends {
            for &s in &seasons {
                for &d in &dampeds {
                    if t == Component::N && d {
                        continue;
                    }
                    if e == Component::A && (t == Component::M || s == Component::M) {
                        continue;
                    }
                    if e == Component::M && t == Component::M && s == Component::A {
                        continue;
                    }
                    if !positive && (e == Component::M || s == Component::M) {
                        continue;
                    }
                    if s != Component::N && m == 1 {
                        continue;
                    }
                    let c = Candidate { error: e, trend: t, season: s, damped: d };
                    let Some(fit) = etsmodel(y, m, &c, None, &mut bounds)? else { continue };
                    if !fit.aicc.is_nan() && fit.aicc < best_ic {
                        best_ic = fit.aicc;
                        best = Some(fit);
                    }
                }
            }
        }
    }
    best.ok_or_else(|| failed("no model able to be fitted"))
}

/// The standard normal quantile function (Wichura's AS 241, about 1e-16 accurate).
#[allow(clippy::excessive_precision)]
pub fn normal_quantile(p: f64) -> f64 {
    if p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if p >= 1.0 {
        return f64::INFINITY;
    }
    let q = p - 0.5;
    if q.abs() <= 0.425 {
        let r = 0.180625 - q * q;
        return q
            * (((((((2509.0809287301226727 * r + 33430.575583588128105) * r + 67265.770927008700853) * r + 45921.953931549871457) * r + 13731.693765509461125) * r + 1971.5909503065514427) * r
                + 133.14166789178437745)
                * r
                + 3.387132872796366608)
            / (((((((5226.495278852545925 * r + 28729.085735721942674) * r + 39307.89580009271061) * r + 21213.794301586595867) * r + 5394.1960214247511077) * r + 687.1870074920579083) * r
                + 42.313330701600911252)
                * r
                + 1.0);
    }
    let mut r = if q < 0.0 { p } else { 1.0 - p };
    r = (-r.ln()).sqrt();
    let val = if r <= 5.0 {
        r -= 1.6;
        (((((((7.7454501427834140764e-4 * r + 0.0227238449892691845833) * r + 0.24178072517745061177) * r + 1.27045825245236838258) * r + 3.64784832476320460504) * r + 5.7694972214606914055) * r
            + 4.6303378461565452959)
            * r
            + 1.42343711074968357734)
            / (((((((1.05075007164441684324e-9 * r + 5.475938084995344946e-4) * r + 0.0151986665636164571966) * r + 0.14810397642748007459) * r + 0.68976733498510000455) * r + 1.6763848301838038494)
                * r
                + 2.05319162663775882187)
                * r
                + 1.0)
    } else {
        r -= 5.0;
        (((((((2.01033439929228813265e-7 * r + 2.71155556874348757815e-5) * r + 0.0012426609473880784386) * r + 0.026532189526576123093) * r + 0.29656057182850489123) * r + 1.7848265399172913358)
            * r
            + 5.4637849111641143699)
            * r
            + 6.6579046435011037772)
            / (((((((2.04426310338993978564e-15 * r + 1.4215117583164458887e-7) * r + 1.8463183175100546818e-5) * r + 7.868691311456132591e-4) * r + 0.0148753612908506148525) * r
                + 0.13692988092273580531)
                * r
                + 0.59983220655588793769)
                * r
                + 1.0)
    };
    if q < 0.0 { -val } else { val }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn ses(y: &[f64], alpha: f64, l0: f64) -> (f64, Vec<f64>) {
        let mut l = l0;
        let mut e = Vec::new();
        for &v in y {
            e.push(v - l);
            l += alpha * (v - l);
        }
        (l, e)
    }

    #[test]
    fn ann_with_fixed_alpha_is_ses() {
        let y = [3.0, 5.0, 4.0, 6.0, 5.5, 7.0, 6.5];
        let mut e = Vec::new();
        let (lik, state) = calc(&y, &[4.0], 1, Component::A, Component::N, Component::N, 0.3, 0.0, 0.0, 1.0, Some(&mut e));
        let (l, e_ses) = ses(&y, 0.3, 4.0);
        assert!((state[0] - l).abs() < 1e-12);
        let sse: f64 = e_ses.iter().map(|v| v * v).sum();
        // statsforecast's lik: n log(SSE)
        assert!((lik - 7.0 * sse.ln()).abs() < 1e-12);
        for (a, b) in e.iter().zip(&e_ses) {
            assert!((a - b).abs() < 1e-12);
        }
    }

    #[test]
    fn multiplicative_error_likelihood_adds_log_forecasts() {
        // MNN from l0 = 2, alpha = 0.5 on y = [2, 4]: f = 2, 2; e = 0, 1; l = 2, 3
        let mut e = Vec::new();
        let (lik, state) = calc(&[2.0, 4.0], &[2.0], 1, Component::M, Component::N, Component::N, 0.5, 0.0, 0.0, 1.0, Some(&mut e));
        assert!((state[0] - 3.0).abs() < 1e-12);
        assert_eq!(e, vec![0.0, 1.0]);
        // n log(SSE) + 2 sum log|f|
        let expected = 2.0 * 1.0f64.ln() + 2.0 * (2.0f64.ln() + 2.0f64.ln());
        assert!((lik - expected).abs() < 1e-12, "{lik} {expected}");
    }

    #[test]
    fn damped_trend_forecast_sums_powers_of_phi() {
        let mut f = vec![0.0; 3];
        forecast_into(&mut f, 10.0, 2.0, &[], 1, Component::A, Component::N, 0.5);
        // phi* = phi, phi + phi^2, phi + phi^2 + phi^3
        assert_eq!(f, vec![11.0, 12.0, 12.5]);
        let mut f = vec![0.0; 5];
        forecast_into(&mut f, 0.0, 0.0, &[1.0, 2.0, 3.0], 3, Component::N, Component::A, 1.0);
        assert_eq!(f, vec![3.0, 2.0, 1.0, 3.0, 2.0]);
    }

    #[test]
    fn normal_quantiles() {
        assert!((normal_quantile(0.975) - 1.959963984540054).abs() < 1e-12);
        assert!((normal_quantile(0.9) - 1.2815515655446004).abs() < 1e-12);
        assert!((normal_quantile(0.05) + 1.6448536269514722).abs() < 1e-12);
    }

    #[test]
    fn roots_and_admissibility() {
        // (z - 0.5)(z + 2) = z^2 + 1.5 z - 1
        assert!((max_root_modulus(&[-1.0, 1.5, 1.0]) - 2.0).abs() < 1e-9);
        assert!(admissible(0.1, Some(0.01), Some(0.05), Some(0.98), 7));
        assert!(!admissible(0.1, None, None, Some(1.5), 1));
    }

    #[test]
    fn selects_a_trend_for_a_trending_series() {
        let y: Vec<f64> = (0..30).map(|t| 5.0 + 2.0 * t as f64 + if t % 2 == 0 { 0.3 } else { -0.3 }).collect();
        let fit = ets_auto(&y, 1, "ZZZ", None).unwrap();
        assert_ne!(fit.trend, Component::N, "{}", fit.method());
        let f = fit.mean(3);
        assert!((f[0] - 65.0).abs() < 2.0, "{f:?}");
    }

    #[test]
    fn ann_intervals_widen_with_alpha() {
        let y = [3.0, 5.0, 4.0, 6.0, 5.5, 7.0, 6.5, 5.0, 6.0, 5.5, 6.2];
        let fit = ets_auto(&y, 1, "ANN", Some(false)).unwrap();
        let f = fit.forecast(3, &[95]);
        let (lv, lo, hi) = &f.intervals[0];
        assert_eq!(*lv, 95);
        let z = normal_quantile(0.975);
        for k in 0..3 {
            let var = fit.sigma2 * (1.0 + fit.alpha * fit.alpha * k as f64);
            assert!((hi[k] - f.mean[k] - z * var.sqrt()).abs() < 1e-9);
            assert!((f.mean[k] - lo[k] - z * var.sqrt()).abs() < 1e-9);
        }
    }

    #[test]
    fn never_panics_on_awkward_input() {
        let model = AutoEts::new(7);
        for y in
            [vec![], vec![1.0], vec![0.0; 20], vec![1.0, 2.0, 3.0], vec![0.0, 0.0, 5.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 2.0], (0..15).map(|t| if t % 7 == 0 { 10.0 } else { 0.0 }).collect()]
        {
            if let Ok(f) = model.fit(&y) {
                assert!(f.predict(5).mean.iter().all(|v| v.is_finite()), "{y:?}");
            }
        }
        assert!(model.fit(&[1.0, 2.0]).is_err());
    }
}
