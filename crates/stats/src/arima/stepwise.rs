//! The stepwise model search of Hyndman & Khandakar (2008), in the order statsforecast's
//! `auto_arima_f` tries the neighbours, at most `nmodels` fits.

use super::fit::{ArimaFit, Criterion, candidate};
use super::params::Orders;

/// Search bounds and starting orders.
#[derive(Debug, Clone, Copy)]
pub struct Bounds {
    pub max_p: usize,
    pub max_q: usize,
    pub max_sp: usize,
    pub max_sq: usize,
    pub start_p: usize,
    pub start_q: usize,
    pub start_sp: usize,
    pub start_sq: usize,
    pub nmodels: usize,
}

type Key = (usize, usize, usize, usize, bool);

struct Search<'a> {
    x: &'a [f64],
    d: usize,
    sd: usize,
    m: usize,
    criterion: Criterion,
    tried: Vec<Key>,
    best: ArimaFit,
}

impl Search<'_> {
    fn fit(&mut self, (p, q, sp, sq, c): Key) -> ArimaFit {
        self.tried.push((p, q, sp, sq, c));
        candidate(self.x, &Orders { p, d: self.d, q, sp, sd: self.sd, sq, m: self.m }, c, self.criterion)
    }
}

/// Runs the search on `x` with differences `d`, `sd` fixed; `constant` says whether a
/// mean or drift may be included. Returns the best fit (its `ic` may be infinite).
pub fn search(x: &[f64], d: usize, sd: usize, m: usize, constant: bool, b: &Bounds, criterion: Criterion) -> ArimaFit {
    let (mut p, mut q) = (b.start_p.min(b.max_p), b.start_q.min(b.max_q));
    let (mut sp, mut sq) = (b.start_sp.min(b.max_sp), b.start_sq.min(b.max_sq));
    let mut constant_now = constant;
    let first = candidate(x, &Orders { p, d, q, sp, sd, sq, m }, constant, criterion);
    let mut s = Search { x, d, sd, m, criterion, tried: vec![(p, q, sp, sq, constant)], best: first };
    let consider = |s: &mut Search, key: Key| -> bool {
        let fit = s.fit(key);
        if fit.ic < s.best.ic {
            s.best = fit;
            true
        } else {
            false
        }
    };
    if consider(&mut s, (0, 0, 0, 0, constant)) {
        (p, q, sp, sq) = (0, 0, 0, 0);
    }
    if b.max_p > 0 || b.max_sp > 0 {
        let (p1, sp1) = (usize::from(b.max_p > 0), usize::from(m > 1 && b.max_sp > 0));
        if consider(&mut s, (p1, 0, sp1, 0, constant)) {
            (p, q, sp, sq) = (p1, 0, sp1, 0);
        }
    }
    if b.max_q > 0 || b.max_sq > 0 {
        let (q1, sq1) = (usize::from(b.max_q > 0), usize::from(m > 1 && b.max_sq > 0));
        if consider(&mut s, (0, q1, 0, sq1, constant)) {
            (p, q, sp, sq) = (0, q1, 0, sq1);
        }
    }
    if constant && consider(&mut s, (0, 0, 0, 0, false)) {
        (p, q, sp, sq) = (0, 0, 0, 0);
    }
    let mut startk = 0;
    while startk < s.tried.len() && s.tried.len() < b.nmodels {
        startk = s.tried.len();
        // the neighbours, in statsforecast's order: (dp, dq, dP, dQ) and the constant flip
        let moves: [(isize, isize, isize, isize); 16] = [
            (0, 0, -1, 0),
            (0, 0, 0, -1),
            (0, 0, 1, 0),
            (0, 0, 0, 1),
            (0, 0, -1, -1),
            (0, 0, -1, 1),
            (0, 0, 1, -1),
            (0, 0, 1, 1),
            (-1, 0, 0, 0),
            (0, -1, 0, 0),
            (1, 0, 0, 0),
            (0, 1, 0, 0),
            (-1, -1, 0, 0),
            (-1, 1, 0, 0),
            (1, -1, 0, 0),
            (1, 1, 0, 0),
        ];
        let mut improved = false;
        for (dp, dq, dsp, dsq) in moves {
            let np = p as isize + dp;
            let nq = q as isize + dq;
            let nsp = sp as isize + dsp;
            let nsq = sq as isize + dsq;
            if np < 0 || nq < 0 || nsp < 0 || nsq < 0 || np > b.max_p as isize || nq > b.max_q as isize || nsp > b.max_sp as isize || nsq > b.max_sq as isize {
                continue;
            }
            let key = (np as usize, nq as usize, nsp as usize, nsq as usize, constant_now);
            if s.tried.contains(&key) {
                continue;
            }
            if s.tried.len() >= b.nmodels {
                break;
            }
            if consider(&mut s, key) {
                (p, q, sp, sq) = (key.0, key.1, key.2, key.3);
                improved = true;
                break;
            }
        }
        if improved {
            continue;
        }
        let key = (p, q, sp, sq, !constant_now);
        if constant && !s.tried.contains(&key) && s.tried.len() < b.nmodels && consider(&mut s, key) {
            constant_now = !constant_now;
        }
    }
    s.best
}
