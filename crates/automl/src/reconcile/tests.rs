use super::*;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9 * b.abs().max(1.0)
}

fn total_of_two() -> Structure {
    Structure { n_bottom: 2, aggregates: vec![vec![0, 1]] }
}

/// With W = I (OLS) the incoherence is spread equally over the three series: each
/// bottom forecast moves by a third of it.
#[test]
fn identity_covariance_spreads_the_gap_equally() {
    let w = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0];
    let out = mint(&total_of_two(), &w, &[12.0], &[5.0, 5.0], 1).unwrap_or_default();
    assert!(close(out[0], 5.0 + 2.0 / 3.0) && close(out[1], 5.0 + 2.0 / 3.0), "{out:?}");
}

/// With a diagonal W each bottom series takes a share of the gap proportional to its
/// error variance: w_i / (w_total + w_1 + w_2).
#[test]
fn diagonal_covariance_moves_the_noisier_series_more() {
    let w = [1.0, 0.0, 0.0, 0.0, 2.0, 0.0, 0.0, 0.0, 3.0];
    let out = mint(&total_of_two(), &w, &[12.0], &[5.0, 5.0], 1).unwrap_or_default();
    assert!(close(out[0], 5.0 + 2.0 * 2.0 / 6.0) && close(out[1], 5.0 + 3.0 * 2.0 / 6.0), "{out:?}");
}

/// Solves `a x = b` by Gauss-Jordan elimination with partial pivoting (test only).
fn solve(mut a: Vec<Vec<f64>>, mut b: Vec<Vec<f64>>) -> Vec<Vec<f64>> {
    let n = a.len();
    for c in 0..n {
        let p = (c..n).max_by(|&i, &j| a[i][c].abs().total_cmp(&a[j][c].abs())).unwrap_or(c);
        a.swap(c, p);
        b.swap(c, p);
        for r in 0..n {
            if r != c {
                let f = a[r][c] / a[c][c];
                let (ac, bc) = (a[c].clone(), b[c].clone());
                a[r].iter_mut().zip(&ac).for_each(|(x, y)| *x -= f * y);
                b[r].iter_mut().zip(&bc).for_each(|(x, y)| *x -= f * y);
            }
        }
    }
    (0..n).map(|r| b[r].iter().map(|v| v / a[r][r]).collect()).collect()
}

/// The constraint form agrees with the textbook form `(SᵀW⁻¹S)⁻¹SᵀW⁻¹ŷ` on a grouped
/// structure (a total and one partial sum over three bottom series) with a dense W.
#[test]
fn agrees_with_the_summing_matrix_form() {
    let s = Structure { n_bottom: 3, aggregates: vec![vec![0, 1, 2], vec![0, 2]] };
    // S: rows total, partial, then the identity
    let srows: Vec<Vec<f64>> = vec![vec![1.0, 1.0, 1.0], vec![1.0, 0.0, 1.0], vec![1.0, 0.0, 0.0], vec![0.0, 1.0, 0.0], vec![0.0, 0.0, 1.0]];
    // a dense SPD W = A Aᵀ + I
    let a: Vec<Vec<f64>> = (0..5).map(|i| (0..5).map(|j| ((i * 7 + j * 3) % 5) as f64 * 0.3 - 0.5).collect()).collect();
    let w: Vec<Vec<f64>> = (0..5).map(|i| (0..5).map(|j| (0..5).map(|k| a[i][k] * a[j][k]).sum::<f64>() + f64::from(u8::from(i == j))).collect()).collect();
    let yhat = [20.0, 11.0, 4.0, 6.0, 8.0];
    // W⁻¹S and W⁻¹ŷ
    let winv_s = solve(w.clone(), srows.clone());
    let winv_y = solve(w.clone(), yhat.iter().map(|&v| vec![v]).collect());
    let st_winv_s: Vec<Vec<f64>> = (0..3).map(|i| (0..3).map(|j| (0..5).map(|r| srows[r][i] * winv_s[r][j]).sum()).collect()).collect();
    let st_winv_y: Vec<Vec<f64>> = (0..3).map(|i| vec![(0..5).map(|r| srows[r][i] * winv_y[r][0]).sum()]).collect();
    let want = solve(st_winv_s, st_winv_y);
    let flat: Vec<f64> = w.concat();
    let got = mint(&s, &flat, &yhat[..2], &yhat[2..], 1).unwrap_or_default();
    for b in 0..3 {
        assert!(close(got[b], want[b][0]), "{got:?} vs {want:?}");
    }
}

#[test]
fn shrinkage_keeps_the_variances_and_stays_in_range() {
    let errors = [1.0, 0.9, -0.2, -1.0, -1.1, 0.4, 0.5, 0.4, 0.1, -0.3, -0.2, -0.5];
    let c = shrunk_covariance(&errors, 3);
    assert!((0.0..=1.0).contains(&c.lambda));
    // variance of column 0 about zero: (1 + 1 + 0.25 + 0.09) / 4
    assert!(close(c.matrix[0], 2.34 / 4.0));
    // the off-diagonal is the sample covariance shrunk by λ: (0.9 + 1.1 + 0.2 + 0.06) / 4
    assert!(close(c.matrix[1], (1.0 - c.lambda) * 2.26 / 4.0) && close(c.matrix[1], c.matrix[3]), "{c:?}");
    // with many times more observations than series the intensity falls
    let long: Vec<f64> = (0..400)
        .flat_map(|t| {
            let x = ((t * 37 % 101) as f64 - 50.0) / 30.0;
            let z = ((t * 53 % 97) as f64 - 48.0) / 30.0;
            [x, x + 0.3 * z, z]
        })
        .collect();
    assert!(shrunk_covariance(&long, 3).lambda < c.lambda.max(0.05), "{}", shrunk_covariance(&long, 3).lambda);
    assert_eq!(shrunk_covariance(&[1.0, 2.0], 1).lambda, 1.0);
}

#[test]
fn top_down_matches_the_total_and_keeps_proportions() {
    let out = top_down(&[10.0, 0.0], &[1.0, 0.0, 3.0, 0.0], 2);
    assert_eq!(out, vec![2.5, 0.0, 7.5, 0.0]);
    assert_eq!(top_down(&[4.0], &[0.0, 0.0], 1), vec![2.0, 2.0]);
}
