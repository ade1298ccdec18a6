//! SVG plots of a run, drawn from a [`RunRecord`](crate::RunRecord)'s leaderboard and
//! series with plotters' SVG backend only.
//!
//! Text without font libraries: plotters is built without `ttf` and `ab_glyph`, so it
//! uses its "naive" font, which never loads a font file and only *estimates* text
//! extents (0.7 em per byte) for layout. The SVG backend never rasterises glyphs: every
//! title, tick label, axis description and legend entry becomes an escaped SVG `<text>`
//! element with `font-family="sans-serif"`, and the browser picks the font. So all the
//! text is there without fontconfig/freetype or a committed font; the estimate is only
//! used to reserve space, which is why label areas get generous fixed sizes here.
//!
//! Legends are drawn by hand in a strip right of each chart (a swatch rectangle or dot
//! and a `<text>`), so they never cover data, and so that the only `<polyline>`s of a
//! plot are its data lines (the grid and axes are `<line>`s).
//!
//! Every function returns the `<svg>` element with `class="plot"` and a `data-plot`
//! kind, or `Err` with a sentence saying why there is no plot (no data, or a drawing
//! error), which the HTML report shows in the plot's place.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::leaderboard::{Leaderboard, Row};
use crate::record::SeriesPlot;

/// The `data-plot` attribute of each kind of plot.
pub const SCORE_BY_FAMILY: &str = "score-by-family";
pub const COVERAGE: &str = "coverage";
pub const PER_LEVEL: &str = "per-level";
pub const FORECAST: &str = "forecast";
pub const TIME_VS_SCORE: &str = "time-vs-score";

/// Tableau 10 without its grey (grey is the history line).
const PALETTE: [RGBColor; 9] = [
    RGBColor(0x4e, 0x79, 0xa7),
    RGBColor(0xf2, 0x8e, 0x2b),
    RGBColor(0xe1, 0x57, 0x59),
    RGBColor(0x76, 0xb7, 0xb2),
    RGBColor(0x59, 0xa1, 0x4f),
    RGBColor(0xb0, 0x7a, 0xa1),
    RGBColor(0xed, 0xc9, 0x48),
    RGBColor(0x9c, 0x75, 0x5f),
    RGBColor(0xff, 0x9d, 0xa7),
];
const HISTORY: RGBColor = RGBColor(0x9a, 0x9a, 0x9a);
const ACTUAL: RGBColor = RGBColor(0x1a, 0x1a, 0x1a);
const AXIS: RGBColor = RGBColor(0x55, 0x55, 0x55);
const GRID: RGBColor = RGBColor(0xe4, 0xe4, 0xe4);
const FONT: &str = "sans-serif";
const LEGEND_W: u32 = 170;

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;
type DrawResult = Result<(), Box<dyn std::error::Error>>;

/// The score a plot shows for a row: the main metric when the run has held-out truth,
/// else the validation (backtest) score; `None` when missing or not finite.
pub fn plot_score(board: &Leaderboard, row: &Row) -> Option<f64> {
    let v = if board.scored { board.metric.of(&row.scores) } else { row.valid };
    v.filter(|x| x.is_finite())
}

/// Axis label of [`plot_score`]: "WRMSSE (test window)" or "valid WRMSSE (backtest)".
pub fn score_label(board: &Leaderboard) -> String {
    let m = board.metric.name().to_uppercase();
    if board.scored { format!("{m} (test window)") } else { format!("valid {m} (backtest)") }
}

/// Families in order of their best-ranked model, each with its colour.
pub fn family_colors(board: &Leaderboard) -> Vec<(String, RGBColor)> {
    let mut out: Vec<(String, RGBColor)> = Vec::new();
    for r in &board.rows {
        if !out.iter().any(|(f, _)| *f == r.family) {
            let c = PALETTE[out.len() % PALETTE.len()];
            out.push((r.family.clone(), c));
        }
    }
    out
}

fn color_of(colors: &[(String, RGBColor)], key: &str) -> RGBColor {
    colors.iter().find(|(k, _)| k == key).map(|(_, c)| *c).unwrap_or(AXIS)
}

/// Draws on a fresh SVG of `size`, then marks the root `<svg>` with the plot kind.
fn render<F>(kind: &str, label: &str, size: (u32, u32), draw: F) -> Result<String, String>
where
    F: for<'a> FnOnce(&Area<'a>) -> DrawResult,
{
    let mut buf = String::new();
    let drawn: DrawResult = (|| {
        let root = SVGBackend::with_string(&mut buf, size).into_drawing_area();
        root.fill(&WHITE)?;
        draw(&root)?;
        root.present()?;
        Ok(())
    })();
    drawn.map_err(|e| format!("The {kind} plot could not be drawn: {e}."))?;
    let attrs = format!("<svg class=\"plot\" data-plot=\"{kind}\" role=\"img\" aria-label=\"{}\" ", crate::escape::escape(label));
    Ok(buf.replacen("<svg ", &attrs, 1))
}

/// A title centred over the whole SVG, then the area split into chart | legend strip.
fn layout<'a>(root: &Area<'a>, title: &str) -> Result<(Area<'a>, Area<'a>), Box<dyn std::error::Error>> {
    let body = root.titled(title, (FONT, 19).into_font().style(FontStyle::Bold).color(&ACTUAL))?;
    let (w, _) = body.dim_in_pixel();
    Ok(body.split_horizontally(w.saturating_sub(LEGEND_W)))
}

/// How a legend entry is drawn.
#[derive(Clone, Copy)]
enum Mark {
    Line,
    Dot,
    Bar,
}

fn legend(area: &Area<'_>, heading: &str, entries: &[(String, RGBColor, Mark)]) -> DrawResult {
    let text = (FONT, 15).into_font().color(&ACTUAL);
    let mut y = 24;
    if !heading.is_empty() {
        area.draw(&Text::new(heading.to_string(), (10, y - 6), (FONT, 15).into_font().style(FontStyle::Bold).color(&AXIS)))?;
        y += 20;
    }
    for (name, color, mark) in entries {
        match mark {
            Mark::Line => area.draw(&Rectangle::new([(10, y), (30, y + 3)], color.filled()))?,
            Mark::Bar => area.draw(&Rectangle::new([(12, y - 5), (28, y + 8)], color.mix(0.35).filled()))?,
            Mark::Dot => area.draw(&Circle::new((20, y + 1), 4, color.filled()))?,
        }
        area.draw(&Text::new(shorten(name, 20), (36, y - 6), text.clone()))?;
        y += 20;
    }
    Ok(())
}

/// At most `n` characters, with an ellipsis when cut.
fn shorten(s: &str, n: usize) -> String {
    if s.chars().count() <= n { s.to_string() } else { format!("{}…", s.chars().take(n.saturating_sub(1)).collect::<String>()) }
}

/// Number of y ticks asked for; plotters picks steps of 1, 2 or 5 × 10^k.
const Y_TICKS: usize = 8;

/// Decimals that show the ticks plotters will pick on `lo..hi` (at most `n` of them)
/// all alike: steps of 0.05 → 2, of 0.5 → 1, of 20 → 0.
fn tick_decimals(lo: f64, hi: f64, n: usize) -> usize {
    let kp = plotters::coord::types::RangedCoordf64::from(lo..hi).key_points(n);
    match kp.as_slice() {
        [a, b, ..] if b > a => (-(b - a).log10().floor()).clamp(0.0, 6.0) as usize,
        _ => 2,
    }
}

fn tick(v: f64, d: usize) -> String {
    let s = format!("{v:.d$}");
    if s.trim_start_matches('-').trim_matches(['0', '.']).is_empty() { "0".into() } else { s }
}

/// Log-axis seconds: 100 → "100", 0.1 → "0.1", 0.002 → "0.002".
fn seconds(v: f64) -> String {
    if v >= 1.0 {
        format!("{v:.0}")
    } else {
        let s = format!("{v:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

fn finite_range(values: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
    values.into_iter().filter(|v| v.is_finite()).fold(None, |acc, v| match acc {
        None => Some((v, v)),
        Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
    })
}

/// (1) Best and spread of the main score per family: a bar at the family's best model,
/// one dot per model.
pub fn score_by_family(board: &Leaderboard) -> Result<String, String> {
    let colors = family_colors(board);
    let fams: Vec<(String, RGBColor, Vec<f64>)> =
        colors.iter().map(|(f, c)| (f.clone(), *c, board.rows.iter().filter(|r| r.family == *f).filter_map(|r| plot_score(board, r)).collect::<Vec<_>>())).filter(|(_, _, v)| !v.is_empty()).collect();
    let Some((_, hi)) = finite_range(fams.iter().flat_map(|(_, _, v)| v.iter().copied())) else {
        return Err("No model has a score, so there is no score-by-family plot.".into());
    };
    let top = if hi > 0.0 { hi * 1.12 } else { 1.0 };
    let n = fams.len();
    let label = score_label(board);
    let names: Vec<String> = fams.iter().map(|(f, _, v)| format!("{} ({})", shorten(f, 22), v.len())).collect();
    // room for at least 6 families, the bars centred: few families don't get huge bars
    let slots = n.max(6);
    let pad = (slots - n) as f64 / 2.0;
    render(SCORE_BY_FAMILY, "score by family", (1240, 380), |root| {
        let (chart_area, legend_area) = layout(root, &format!("Score by family — {label}"))?;
        let mut chart = ChartBuilder::on(&chart_area).margin(12).x_label_area_size(44).y_label_area_size(64).build_cartesian_2d(-0.5 - pad..n as f64 - 0.5 + pad, 0.0..top)?;
        // ticks at whole numbers only (asking for slots + 1 labels over a width of slots gives step 1)
        let yd = tick_decimals(0.0, top, Y_TICKS);
        let fmt_x = |v: &f64| if (v - v.round()).abs() < 1e-9 && *v >= 0.0 { names.get(v.round() as usize).cloned().unwrap_or_default() } else { String::new() };
        chart
            .configure_mesh()
            .disable_x_mesh()
            .set_tick_mark_size(LabelAreaPosition::Bottom, 0)
            .x_labels(slots + 1)
            .light_line_style(TRANSPARENT)
            .bold_line_style(GRID)
            .axis_style(AXIS)
            .x_desc("family (number of models)")
            .y_desc(label.as_str())
            .x_label_formatter(&fmt_x)
            .y_labels(Y_TICKS)
            .y_label_formatter(&|v: &f64| tick(*v, yd))
            .label_style((FONT, 14))
            .axis_desc_style((FONT, 15))
            .draw()?;
        for (i, (_, c, scores)) in fams.iter().enumerate() {
            let x = i as f64;
            let best = scores.iter().copied().fold(f64::INFINITY, f64::min);
            chart.draw_series(std::iter::once(Rectangle::new([(x - 0.32, 0.0), (x + 0.32, best)], c.mix(0.3).filled())))?;
            chart.draw_series(std::iter::once(Rectangle::new([(x - 0.32, 0.0), (x + 0.32, best)], c.stroke_width(1))))?;
            let m = scores.len();
            chart.draw_series(scores.iter().enumerate().map(|(k, s)| {
                let dx = if m == 1 { 0.0 } else { -0.24 + 0.48 * k as f64 / (m - 1) as f64 };
                Circle::new((x + dx, *s), 4, c.filled())
            }))?;
            let centred = (FONT, 14).into_font().style(FontStyle::Bold).color(&ACTUAL).pos(Pos::new(HPos::Center, VPos::Top));
            let dy = if best < top * 0.12 { -24 } else { 9 };
            chart.draw_series(std::iter::once(EmptyElement::at((x, best)) + Text::new(format!("{best:.3}"), (0, dy), centred)))?;
        }
        legend(&legend_area, "", &[("best of family".into(), AXIS, Mark::Bar), ("one model".into(), AXIS, Mark::Dot)])
    })
}

/// (2) Per-level scores (L1..L12) of the `top` best-ranked models that have them.
pub fn per_level(board: &Leaderboard, top: usize) -> Result<String, String> {
    let rows: Vec<&Row> = board.rows.iter().filter(|r| r.scores.levels.iter().any(|v| v.is_finite())).take(top).collect();
    let n = rows.iter().map(|r| r.scores.levels.len()).max().unwrap_or(0);
    let Some((_, hi)) = finite_range(rows.iter().flat_map(|r| r.scores.levels.iter().copied())) else {
        return Err("No model has per-level scores (long-format data has no M5 hierarchy, or there was no held-out truth), so the per-level plot is left out.".into());
    };
    let top_y = if hi > 0.0 { hi * 1.1 } else { 1.0 };
    let m = board.metric.name().to_uppercase();
    render(PER_LEVEL, "per-level errors", (640, 400), |root| {
        let (chart_area, legend_area) = layout(root, &format!("{m} per aggregation level — top {}", rows.len()))?;
        let mut chart = ChartBuilder::on(&chart_area).margin(12).x_label_area_size(44).y_label_area_size(64).build_cartesian_2d(0.5..n as f64 + 0.5, 0.0..top_y)?;
        let yd = tick_decimals(0.0, top_y, Y_TICKS);
        chart
            .configure_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(GRID)
            .axis_style(AXIS)
            .x_desc("level (L1 total … L12 item×store)")
            .y_desc(format!("{m} of the level"))
            .x_labels(n)
            .x_label_formatter(&|v: &f64| if (v - v.round()).abs() < 1e-9 { format!("L{}", v.round() as i64) } else { String::new() })
            .y_labels(Y_TICKS)
            .y_label_formatter(&|v: &f64| tick(*v, yd))
            .label_style((FONT, 14))
            .axis_desc_style((FONT, 15))
            .draw()?;
        let mut entries = Vec::new();
        for (k, r) in rows.iter().enumerate() {
            let c = PALETTE[k % PALETTE.len()];
            let pts: Vec<(f64, f64)> = r.scores.levels.iter().enumerate().filter(|(_, v)| v.is_finite()).map(|(i, v)| ((i + 1) as f64, *v)).collect();
            chart.draw_series(LineSeries::new(pts.iter().copied(), c.stroke_width(2)))?;
            chart.draw_series(pts.iter().map(|p| Circle::new(*p, 3, c.filled())))?;
            let name = if r.selected { format!("{} *", r.alias) } else { r.alias.clone() };
            entries.push((name, c, Mark::Line));
        }
        legend(&legend_area, "model", &entries)
    })
}

/// `c` blended toward white: `share` of the colour is kept (an opaque tint, so that
/// overlapping bands and the legend show the same shade).
fn tint(c: RGBColor, share: f64) -> RGBColor {
    let mix = |v: u8| (f64::from(v) * share + 255.0 * (1.0 - share)).round().clamp(0.0, 255.0) as u8;
    RGBColor(mix(c.0), mix(c.1), mix(c.2))
}

/// (5) Calibration of the quantile forecasts: the observed share of the truth at or
/// below each of the nine M5 quantiles against its nominal level, for the `top` models
/// with the lowest WSPL, beside the diagonal of perfect calibration.
pub fn coverage(board: &Leaderboard, top: usize) -> Result<String, String> {
    let mut rows: Vec<(&Row, f64)> = board.rows.iter().filter_map(|r| r.uncertainty.as_ref().filter(|u| u.coverage.len() == NOMINAL.len()).and_then(|u| u.wspl).map(|w| (r, w))).collect();
    rows.sort_by(|a, b| a.1.total_cmp(&b.1).then_with(|| a.0.alias.cmp(&b.0.alias)));
    // the submission always, then the best by WSPL
    if let Some(pos) = rows.iter().position(|(r, _)| r.selected) {
        let sel = rows.remove(pos);
        rows.insert(0, sel);
    }
    rows.truncate(top);
    if rows.is_empty() {
        return Err("No model has scored quantile forecasts (they need M5 data, a backtest and held-out truth), so the coverage plot is left out.".into());
    }
    render(COVERAGE, "coverage of the quantile forecasts", (640, 400), |root| {
        let (chart_area, legend_area) = layout(root, "Observed against nominal coverage of the quantiles")?;
        let mut chart = ChartBuilder::on(&chart_area).margin(12).x_label_area_size(44).y_label_area_size(64).build_cartesian_2d(0.0..1.0, 0.0..1.0)?;
        chart
            .configure_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(GRID)
            .axis_style(AXIS)
            .x_desc("quantile (nominal share at or below)")
            .y_desc("observed share at or below")
            .x_labels(6)
            .y_labels(6)
            .x_label_formatter(&|v: &f64| format!("{v:.1}"))
            .y_label_formatter(&|v: &f64| format!("{v:.1}"))
            .label_style((FONT, 14))
            .axis_desc_style((FONT, 15))
            .draw()?;
        chart.draw_series(LineSeries::new([(0.0, 0.0), (1.0, 1.0)], HISTORY.stroke_width(1)))?;
        let mut entries = vec![("perfect calibration".to_string(), HISTORY, Mark::Line)];
        for (k, (r, _)) in rows.iter().enumerate() {
            let c = PALETTE[k % PALETTE.len()];
            let observed = r.uncertainty.as_ref().map(|u| u.coverage.clone()).unwrap_or_default();
            let pts: Vec<(f64, f64)> = NOMINAL.iter().copied().zip(observed).filter(|(_, v)| v.is_finite()).collect();
            chart.draw_series(LineSeries::new(pts.iter().copied(), c.stroke_width(2)))?;
            chart.draw_series(pts.iter().map(|p| Circle::new(*p, 3, c.filled())))?;
            let name = if r.selected { format!("{} *", r.alias) } else { r.alias.clone() };
            entries.push((name, c, Mark::Line));
        }
        legend(&legend_area, "model", &entries)
    })
}

/// The nine quantiles of the M5 Uncertainty track.
const NOMINAL: [f64; 9] = [0.005, 0.025, 0.165, 0.25, 0.5, 0.75, 0.835, 0.975, 0.995];

/// Colours of a forecast plot's models: each alias keeps its rank's palette colour
/// unless an earlier line took it, so every line of a plot differs.
fn forecast_colors(board: &Leaderboard, series: &SeriesPlot) -> Vec<RGBColor> {
    let mut used: Vec<usize> = Vec::new();
    for (alias, _) in &series.forecasts {
        let want = board.rows.iter().position(|r| r.alias == *alias).unwrap_or(used.len()) % PALETTE.len();
        let pick = (0..PALETTE.len()).map(|d| (want + d) % PALETTE.len()).find(|i| !used.contains(i)).unwrap_or(want);
        used.push(pick);
    }
    used.into_iter().map(|i| PALETTE[i]).collect()
}

/// (3) One series: the history tail, the actual (when there is truth) and every
/// forecast, against days from the forecast origin. One `<polyline>` per line.
pub fn forecast(board: &Leaderboard, series: &SeriesPlot, horizon_labels: &[String]) -> Result<String, String> {
    let nh = series.history.len() as i64;
    let hist: Vec<(f64, f64)> = series.history.iter().enumerate().filter(|(_, v)| v.is_finite()).map(|(i, v)| ((i as i64 - nh + 1) as f64, *v)).collect();
    let ahead = |v: &[f64]| -> Vec<(f64, f64)> { v.iter().enumerate().filter(|(_, y)| y.is_finite()).map(|(h, y)| ((h + 1) as f64, *y)).collect() };
    let actual = ahead(&series.actual);
    let fcs: Vec<(String, Vec<(f64, f64)>)> = series.forecasts.iter().map(|(a, v)| (a.clone(), ahead(v))).collect();
    let bands: Vec<(u8, Vec<(f64, f64)>)> = series
        .bands
        .iter()
        .map(|b| {
            // the band's outline: along the upper bound, back along the lower one
            let upper = ahead(&b.hi);
            let mut lower = ahead(&b.lo);
            lower.reverse();
            (b.level, upper.into_iter().chain(lower).collect())
        })
        .filter(|(_, pts): &(u8, Vec<(f64, f64)>)| pts.len() >= 3)
        .collect();
    let all = hist.iter().chain(&actual).chain(fcs.iter().flat_map(|(_, v)| v.iter())).chain(bands.iter().flat_map(|(_, v)| v.iter()));
    let Some((x_lo, x_hi)) = finite_range(all.clone().map(|p| p.0)) else {
        return Err(format!("Series {} has no values to plot.", series.id));
    };
    let (y_lo, y_hi) = finite_range(all.map(|p| p.1)).unwrap_or((0.0, 1.0));
    let y_lo = y_lo.min(0.0);
    let y_hi = if y_hi > y_lo { y_hi + (y_hi - y_lo) * 0.08 } else { y_lo + 1.0 };
    let x_lo = x_lo.min(0.0) - 0.5;
    let x_hi = x_hi.max(1.0) + 0.5;
    let colors = forecast_colors(board, series);
    let window = match (horizon_labels.first(), horizon_labels.last()) {
        (Some(a), Some(b)) => format!("days from origin (1 = {a}, {} = {b})", horizon_labels.len()),
        _ => "days from forecast origin (0 = last training day)".into(),
    };
    render(FORECAST, &format!("forecast of {}", series.id), (640, 340), |root| {
        let (chart_area, legend_area) = layout(root, &shorten(&format!("{} — {}", series.id, series.group), 48))?;
        let mut chart = ChartBuilder::on(&chart_area).margin(10).x_label_area_size(42).y_label_area_size(56).build_cartesian_2d(x_lo..x_hi, y_lo..y_hi)?;
        let yd = tick_decimals(y_lo, y_hi, Y_TICKS);
        chart
            .configure_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(GRID)
            .axis_style(AXIS)
            .x_labels(8)
            .y_labels(6)
            .x_desc(window.as_str())
            .y_desc("units sold")
            .x_label_formatter(&|v: &f64| format!("{v:.0}"))
            .y_labels(Y_TICKS)
            .y_label_formatter(&|v: &f64| tick(*v, yd))
            .label_style((FONT, 13))
            .axis_desc_style((FONT, 14))
            .draw()?;
        // the forecast origin: a shaded band over the forecast window
        chart.draw_series(std::iter::once(Rectangle::new([(0.5, y_lo), (x_hi, y_hi)], PALETTE[0].mix(0.07).filled())))?;
        let mut entries = Vec::new();
        // the submission's prediction intervals (it is drawn first, in the first colour)
        let fan = colors.first().copied().unwrap_or(PALETTE[0]);
        for (k, (level, pts)) in bands.iter().enumerate() {
            let shade = tint(fan, 0.22 + 0.2 * k as f64);
            chart.draw_series(std::iter::once(Polygon::new(pts.clone(), shade.filled())))?;
            entries.push((format!("{level}% interval"), shade, Mark::Bar));
        }
        if !hist.is_empty() {
            chart.draw_series(LineSeries::new(hist.iter().copied(), HISTORY.stroke_width(1)))?;
            entries.push(("history".to_string(), HISTORY, Mark::Line));
        }
        if !actual.is_empty() {
            chart.draw_series(LineSeries::new(actual.iter().copied(), ACTUAL.stroke_width(2)))?;
            entries.push(("actual".to_string(), ACTUAL, Mark::Line));
        }
        for ((alias, pts), c) in fcs.iter().zip(&colors) {
            chart.draw_series(LineSeries::new(pts.iter().copied(), c.stroke_width(2)))?;
            entries.push((alias.clone(), *c, Mark::Line));
        }
        legend(&legend_area, "", &entries)
    })
}

/// (4) Fit time (log scale) against the main score, coloured by family; the `labelled`
/// best-ranked models carry their alias.
pub fn time_vs_score(board: &Leaderboard, labelled: usize) -> Result<String, String> {
    const MIN_SECONDS: f64 = 1e-3;
    let pts: Vec<(&Row, f64, f64)> =
        board.rows.iter().filter_map(|r| plot_score(board, r).map(|s| (r, if r.fit_seconds.is_finite() { r.fit_seconds.max(MIN_SECONDS) } else { MIN_SECONDS }, s))).collect();
    let (Some((t_lo, t_hi)), Some((s_lo, s_hi))) = (finite_range(pts.iter().map(|p| p.1)), finite_range(pts.iter().map(|p| p.2))) else {
        return Err("No model has a score, so there is no time-against-score plot.".into());
    };
    let (x_lo, x_hi) = (t_lo / 1.8, t_hi * 1.8);
    let pad = if s_hi > s_lo { (s_hi - s_lo) * 0.08 } else { s_hi.abs().max(1.0) * 0.1 };
    let (y_lo, y_hi) = ((s_lo - pad).max(if s_lo >= 0.0 { 0.0 } else { f64::NEG_INFINITY }), s_hi + pad);
    let colors = family_colors(board);
    let label = score_label(board);
    render(TIME_VS_SCORE, "fit time against score", (640, 400), |root| {
        let (chart_area, legend_area) = layout(root, &format!("Fit time against {label}"))?;
        let mut chart = ChartBuilder::on(&chart_area).margin(12).x_label_area_size(44).y_label_area_size(64).build_cartesian_2d((x_lo..x_hi).log_scale(), y_lo..y_hi)?;
        let yd = tick_decimals(y_lo, y_hi, Y_TICKS);
        chart
            .configure_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(GRID)
            .axis_style(AXIS)
            .x_desc("fit time, seconds (log scale)")
            .y_desc(label.as_str())
            .x_label_formatter(&|v: &f64| seconds(*v))
            .y_labels(Y_TICKS)
            .y_label_formatter(&|v: &f64| tick(*v, yd))
            .label_style((FONT, 14))
            .axis_desc_style((FONT, 15))
            .draw()?;
        chart.draw_series(pts.iter().map(|(r, t, s)| Circle::new((*t, *s), 5, color_of(&colors, &r.family).filled())))?;
        let font = (FONT, 13).into_font().color(&ACTUAL);
        let marked: Vec<&(&Row, f64, f64)> = pts.iter().filter(|(r, _, _)| r.rank <= labelled || r.selected).collect();
        let anchors: Vec<(i32, i32)> = marked.iter().map(|(_, t, s)| chart.backend_coord(&(*t, *s))).collect();
        let (pw, ph) = chart.plotting_area().dim_in_pixel();
        let (ox, oy) = chart.plotting_area().get_base_pixel();
        let mut taken: Vec<(i32, i32, i32, i32)> = anchors.iter().map(|(x, y)| (x - 6, y - 6, x + 6, y + 6)).collect();
        for ((r, t, s), at) in marked.iter().zip(&anchors) {
            let name = shorten(&if r.selected { format!("{} *", r.alias) } else { r.alias.clone() }, 22);
            let (dx, dy, right) = place_label(*at, label_width(&name), 13, &taken, (ox, oy, ox + pw as i32, oy + ph as i32));
            let (x0, y0) = (at.0 + dx - if right { label_width(&name) } else { 0 }, at.1 + dy);
            taken.push((x0, y0, x0 + label_width(&name), y0 + 13));
            let style = font.clone().pos(Pos::new(if right { HPos::Right } else { HPos::Left }, VPos::Top));
            chart.draw_series(std::iter::once(EmptyElement::at((*t, *s)) + Circle::new((0, 0), 7, ACTUAL.stroke_width(1)) + Text::new(name, (dx, dy), style)))?;
        }
        let present: Vec<(String, RGBColor, Mark)> = colors.iter().filter(|(f, _)| pts.iter().any(|(r, _, _)| r.family == *f)).map(|(f, c)| (f.clone(), *c, Mark::Dot)).collect();
        legend(&legend_area, "family", &present)
    })
}

/// Estimated width in pixels of a 13-unit label (10.5 px sans-serif).
fn label_width(s: &str) -> i32 {
    (s.chars().count() as f64 * 6.0).ceil() as i32
}

/// Offset (from the point) of a label `w`×`h` that overlaps no box in `taken` and stays
/// in `bounds`, trying right/left and up/down in growing steps; `true` when it sits
/// left of the point (anchored at its right end).
fn place_label(at: (i32, i32), w: i32, h: i32, taken: &[(i32, i32, i32, i32)], bounds: (i32, i32, i32, i32)) -> (i32, i32, bool) {
    let overlaps = |a: (i32, i32, i32, i32), b: &(i32, i32, i32, i32)| a.0 < b.2 && b.0 < a.2 && a.1 < b.3 && b.1 < a.3;
    let mut first = None;
    for dy in [-7, -22, 8, -37, 23, -52, 38, -67, 53] {
        for right in [false, true] {
            let dx = if right { -9 } else { 9 };
            let x0 = at.0 + dx - if right { w } else { 0 };
            let b = (x0, at.1 + dy, x0 + w, at.1 + dy + h);
            let inside = b.0 >= bounds.0 && b.2 <= bounds.2 && b.1 >= bounds.1 && b.3 <= bounds.3;
            if inside && first.is_none() {
                first = Some((dx, dy, right));
            }
            if inside && !taken.iter().any(|t| overlaps(b, t)) {
                return (dx, dy, right);
            }
        }
    }
    first.unwrap_or((9, -7, false))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::{Metric, Scores};

    fn row(alias: &str, family: &str, w: f64, fit: f64) -> Row {
        Row {
            alias: alias.into(),
            family: family.into(),
            scores: Scores { wrmsse: Some(w), levels: (1..=12).map(|l| w * (0.5 + l as f64 / 20.0)).collect(), ..Default::default() },
            fit_seconds: fit,
            ..Row::default()
        }
    }

    fn board() -> Leaderboard {
        Leaderboard::new(Metric::Wrmsse, true, vec![row("Naive", "statistical", 1.1, 0.01), row("LGBM", "gbdt", 0.7, 3.0), row("Ens", "ensemble", 0.65, 0.2)])
    }

    fn series(n_fc: usize, actual: bool) -> SeriesPlot {
        SeriesPlot {
            id: "FOODS_3_090_CA_3".into(),
            group: "top sales".into(),
            history: (0..56).map(|d| 50.0 + (d % 7) as f64).collect(),
            actual: if actual { (0..28).map(|d| 52.0 + (d % 7) as f64).collect() } else { vec![] },
            forecasts: (0..n_fc).map(|k| (format!("m{k}"), vec![51.0 + k as f64; 28])).collect(),
            bands: Vec::new(),
        }
    }

    /// Data lines: the `<polyline>`s not in the axis colour (axes and ticks are polylines
    /// too; grid lines are `<line>`s).
    fn data_lines(svg: &str) -> usize {
        let axis = format!("stroke=\"{}\"", css(AXIS));
        svg.split("<polyline").skip(1).filter(|p| !p.split('>').next().unwrap_or("").contains(&axis)).count()
    }

    fn css(c: RGBColor) -> String {
        format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
    }

    #[test]
    fn forecast_svg_has_one_polyline_per_line() {
        let b = board();
        for (n_fc, actual) in [(3, true), (1, true), (2, false)] {
            let svg = forecast(&b, &series(n_fc, actual), &[]).unwrap();
            assert_eq!(data_lines(&svg), 1 + usize::from(actual) + n_fc, "{n_fc} forecasts, actual {actual}");
            for c in forecast_colors(&b, &series(n_fc, actual)) {
                assert_eq!(svg.matches(&format!("<polyline fill=\"none\" opacity=\"1\" stroke=\"{}\"", css(c))).count(), 1);
            }
            assert_eq!(svg.contains(&format!("stroke=\"{}\"", css(ACTUAL))), actual);
            assert!(svg.starts_with("<svg class=\"plot\" data-plot=\"forecast\""));
        }
    }

    #[test]
    fn forecast_lines_have_distinct_colours() {
        let s = series(3, true);
        let c = forecast_colors(&board(), &s);
        assert_eq!(c.len(), 3);
        assert!(c[0] != c[1] && c[1] != c[2] && c[0] != c[2]);
    }

    #[test]
    fn per_level_has_one_line_per_model_and_level_ticks() {
        let svg = per_level(&board(), 5).unwrap();
        assert_eq!(data_lines(&svg), 3);
        for l in 1..=12 {
            assert!(svg.contains(&format!(">\nL{l}\n</text>")), "tick L{l}");
        }
    }

    #[test]
    fn plots_say_why_when_there_is_nothing() {
        let empty = Leaderboard::new(Metric::Mase, false, vec![Row { alias: "a".into(), family: "f".into(), ..Row::default() }]);
        assert!(score_by_family(&empty).is_err());
        assert!(per_level(&empty, 5).unwrap_err().contains("per-level"));
        assert!(time_vs_score(&empty, 3).is_err());
    }

    #[test]
    fn degenerate_inputs_still_draw() {
        // one model, zero fit time, NaN and infinite values, a flat series, an empty forecast
        let mut r = row("Only", "gbdt", 0.5, 0.0);
        r.scores.levels = vec![f64::NAN, 0.4, f64::INFINITY];
        let b = Leaderboard::new(Metric::Wrmsse, true, vec![r]);
        assert!(score_by_family(&b).is_ok());
        assert!(time_vs_score(&b, 3).is_ok());
        let svg = per_level(&b, 5).unwrap();
        assert_eq!(data_lines(&svg), 1);
        let s = SeriesPlot {
            id: "flat".into(),
            group: "lumpy".into(),
            history: vec![0.0, f64::NAN, 0.0],
            actual: vec![0.0, 0.0],
            forecasts: vec![("Only".into(), vec![]), ("nan".into(), vec![f64::NAN; 2])],
            bands: Vec::new(),
        };
        let svg = forecast(&b, &s, &["d_1".into(), "d_2".into()]).unwrap();
        assert!(svg.contains("1 = d_1, 2 = d_2"));
        let none = SeriesPlot { id: "empty".into(), group: "top sales".into(), history: vec![], actual: vec![], forecasts: vec![], bands: vec![] };
        assert!(forecast(&b, &none, &[]).unwrap_err().contains("empty"));
    }

    #[test]
    fn tick_labels_share_decimals() {
        assert_eq!(tick_decimals(0.0, 1.1, Y_TICKS), 1);
        assert_eq!(tick_decimals(0.55, 1.1, Y_TICKS), 1);
        assert_eq!(tick_decimals(0.6, 0.8, Y_TICKS), 2);
        assert_eq!(tick_decimals(0.0, 160.0, Y_TICKS), 0);
        assert_eq!(tick(0.0, 2), "0");
        assert_eq!(tick(0.5, 2), "0.50");
        assert_eq!(seconds(0.1), "0.1");
        assert_eq!(seconds(100.0), "100");
    }

    #[test]
    fn plot_text_is_escaped() {
        let b = Leaderboard::new(Metric::Wrmsse, true, vec![row("<b>x</b>", "gbdt", 0.7, 1.0)]);
        let svg = time_vs_score(&b, 3).unwrap();
        assert!(!svg.contains("<b>x"));
        assert!(svg.contains("&lt;b&gt;x"));
    }
}
