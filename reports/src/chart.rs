//! Charts drawn with plotters as self-contained SVG.

use plotters::coord::Shift;
use plotters::coord::ranged1d::SegmentedCoord;
use plotters::coord::types::{RangedCoordf64, RangedCoordusize};
use plotters::prelude::*;

use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::{Matrix, Stat, Timeline};

const PANEL_W: u32 = 560;
const ROW_H: u32 = 34;

/// The stress matrix as a forest plot: a panel per KPI, a row per disrupted scenario, its paired
/// change against the baseline as a dot with its 95% interval. Filled red when the interval
/// excludes zero, hollow grey when not. Each panel has its own scale, in the KPI's unit.
pub fn matrix_svg(m: &Matrix) -> String {
    let names: Vec<&str> = m.columns.iter().skip(1).map(|c| c.name.as_str()).collect();
    let cols = m.kpis.len().clamp(1, 2) as u32;
    let rows = m.kpis.len().div_ceil(2).max(1) as u32;
    let panel_h = 70 + ROW_H * names.len().max(1) as u32;
    let size = (PANEL_W * cols, 50 + panel_h * rows);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE).expect("drawing to a string");
        let baseline = m.columns.first().map_or("", |c| c.name.as_str());
        let title =
            format!("Change against {baseline}, paired 95% CI ({} replications, seed {})", m.replications, m.seed);
        let (head, body) = root.split_vertically(50);
        head.titled(&title, ("sans-serif", 20)).expect("drawing to a string");
        let panels = body.split_evenly((rows as usize, cols as usize));
        let label_w = names.iter().map(|n| n.len() as u32 * 7).max().unwrap_or(0) + 12;
        for (kpi, area) in m.kpis.iter().zip(&panels) {
            panel(area, kpi, m, &names, label_w);
        }
        root.present().expect("drawing to a string");
    }
    svg
}

/// A panel with a row per name (the first on top) and `x` across, captioned `caption`.
fn rows_chart<'a, 'b>(
    area: &'a DrawingArea<SVGBackend<'b>, Shift>,
    caption: &str,
    x: std::ops::Range<f64>,
    names: &[&str],
    label_w: u32,
) -> ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, SegmentedCoord<RangedCoordusize>>> {
    let n = names.len();
    let mut chart = ChartBuilder::on(area)
        .caption(caption, ("sans-serif", 16))
        .margin(10)
        .x_label_area_size(28)
        .y_label_area_size(label_w)
        .build_cartesian_2d(x, (0..n).into_segmented())
        .expect("drawing to a string");
    chart
        .configure_mesh()
        .disable_y_mesh()
        .light_line_style(TRANSPARENT)
        .label_style(("sans-serif", 12))
        .y_labels(n)
        .y_label_formatter(&|y| match y {
            SegmentValue::CenterOf(i) if *i < n => names[n - 1 - i].to_string(),
            _ => String::new(),
        })
        .x_labels(6)
        .draw()
        .expect("drawing to a string");
    chart
}

fn panel(area: &DrawingArea<SVGBackend, Shift>, kpi: &str, m: &Matrix, names: &[&str], label_w: u32) {
    let diffs: Vec<_> = m.columns[1..].iter().map(|c| c.kpis[kpi].1.clone().expect("a paired difference")).collect();
    let ends = diffs.iter().flat_map(|d| [d.mean, d.ci95_low.unwrap_or(d.mean), d.ci95_high.unwrap_or(d.mean)]);
    let (lo, hi) = ends.fold((0.0f64, 0.0f64), |(lo, hi), x| (lo.min(x), hi.max(x)));
    let pad = ((hi - lo) * 0.08).max(1e-9);
    let mut chart = rows_chart(area, kpi, lo - pad..hi + pad, names, label_w);
    let zero = [(0.0, SegmentValue::Exact(0)), (0.0, SegmentValue::Exact(names.len()))];
    chart.draw_series([PathElement::new(zero, BLACK.stroke_width(1))]).expect("drawing to a string");
    for (i, d) in diffs.iter().enumerate() {
        let y = || SegmentValue::CenterOf(names.len() - 1 - i); // the first scenario on top
        let color = if d.significant { RGBColor(200, 40, 40) } else { RGBColor(130, 130, 130) };
        let (l, h) = (d.ci95_low.unwrap_or(d.mean), d.ci95_high.unwrap_or(d.mean));
        let whisker = |x: f64| EmptyElement::at((x, y())) + PathElement::new([(0, -6), (0, 6)], color.stroke_width(2));
        chart
            .draw_series([PathElement::new([(l, y()), (h, y())], color.stroke_width(2))])
            .expect("drawing to a string");
        chart.draw_series([whisker(l), whisker(h)]).expect("drawing to a string");
        let dot = if d.significant { color.filled() } else { color.stroke_width(2) };
        chart.draw_series([Circle::new((d.mean, y()), 5, dot)]).expect("drawing to a string");
    }
}

const RED: RGBColor = RGBColor(200, 40, 40);
const GREEN: RGBColor = RGBColor(30, 140, 70);
const GREY: RGBColor = RGBColor(130, 130, 130);
const BLUE_GREY: RGBColor = RGBColor(90, 120, 160);

/// Colour of series `i`: a qualitative palette that stays apart in print.
fn colour(i: usize) -> RGBColor {
    const PALETTE: [RGBColor; 8] = [
        RGBColor(31, 119, 180),
        RGBColor(255, 127, 14),
        RGBColor(44, 160, 44),
        RGBColor(214, 39, 40),
        RGBColor(148, 103, 189),
        RGBColor(140, 86, 75),
        RGBColor(227, 119, 194),
        RGBColor(127, 127, 127),
    ];
    PALETTE[i % PALETTE.len()]
}

/// An SVG of `size` drawn by `draw` under `title`.
fn svg(size: (u32, u32), title: &str, draw: impl FnOnce(&DrawingArea<SVGBackend, Shift>)) -> String {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE).expect("drawing to a string");
        let (head, body) = root.split_vertically(40);
        head.titled(title, ("sans-serif", 18)).expect("drawing to a string");
        draw(&body);
        root.present().expect("drawing to a string");
    }
    svg
}

/// A box plot per KPI: a panel each, a box per alternative — the box from the 25th to the 75th
/// percentile with the median as a bar, whiskers from the 5th to the 95th, the mean as a dot.
pub fn box_plots_svg(title: &str, kpis: &[(&str, Vec<(&str, &Stat)>)]) -> String {
    let names = kpis.first().map_or(0, |(_, b)| b.len()).max(1);
    let label_w = kpis.iter().flat_map(|(_, b)| b.iter().map(|(n, _)| n.len() as u32 * 7)).max().unwrap_or(0) + 12;
    let cols = kpis.len().clamp(1, 2);
    let rows = kpis.len().div_ceil(2).max(1);
    let panel_h = 70 + ROW_H * names as u32;
    svg((PANEL_W * cols as u32, 40 + panel_h * rows as u32), title, |body| {
        for ((kpi, boxes), area) in kpis.iter().zip(&body.split_evenly((rows, cols))) {
            box_panel(area, kpi, boxes, label_w);
        }
    })
}

fn box_panel(area: &DrawingArea<SVGBackend, Shift>, kpi: &str, boxes: &[(&str, &Stat)], label_w: u32) {
    let n = boxes.len();
    let (lo, hi) = boxes.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), (_, s)| {
        (lo.min(s.p5).min(s.mean), hi.max(s.p95).max(s.mean))
    });
    let pad = ((hi - lo) * 0.08).max(1e-6 * hi.abs().max(1.0));
    let names: Vec<&str> = boxes.iter().map(|(name, _)| *name).collect();
    let mut chart = rows_chart(area, kpi, lo - pad..hi + pad, &names, label_w);
    for (i, (_, s)) in boxes.iter().enumerate() {
        let px = |x: f64| chart.backend_coord(&(x, SegmentValue::CenterOf(0))).0;
        let y = || SegmentValue::CenterOf(n - 1 - i); // the first on top
        let c = colour(i);
        let (q1, q3) = (s.p25.unwrap_or(s.p5), s.p75.unwrap_or(s.p95));
        let width = px(q3) - px(q1);
        let cap = |x: f64| EmptyElement::at((x, y())) + PathElement::new([(0, -5), (0, 5)], c.stroke_width(1));
        let median = EmptyElement::at((s.p50, y())) + PathElement::new([(0, -9), (0, 9)], c.stroke_width(3));
        let body = EmptyElement::at((q1, y())) + Rectangle::new([(0, -9), (width, 9)], c.mix(0.25).filled());
        let outline = EmptyElement::at((q1, y())) + Rectangle::new([(0, -9), (width, 9)], c.stroke_width(1));
        let draw = |e: Result<(), _>| e.expect("drawing to a string");
        draw(chart.draw_series([PathElement::new([(s.p5, y()), (s.p95, y())], c.stroke_width(1))]).map(|_| ()));
        draw(chart.draw_series([cap(s.p5), cap(s.p95)]).map(|_| ()));
        draw(chart.draw_series([body, outline]).map(|_| ()));
        draw(chart.draw_series([median]).map(|_| ()));
        draw(chart.draw_series([Circle::new((s.mean, y()), 4, BLACK.filled())]).map(|_| ()));
    }
}

/// Quantities through the day: a panel each, a line per alternative (the mean over
/// replications) in a band from the 10th to the 90th percentile.
pub fn timeline_svg(title: &str, columns: &[(&str, &Timeline)]) -> String {
    let series = columns.first().map_or(0, |(_, t)| t.series.len());
    let rows = series.div_ceil(2).max(1);
    svg((2 * PANEL_W, 40 + 300 * rows as u32), title, |body| {
        for (k, area) in (0..series).zip(&body.split_evenly((rows, 2))) {
            timeline_panel(area, k, columns);
        }
    })
}

fn timeline_panel(area: &DrawingArea<SVGBackend, Shift>, k: usize, columns: &[(&str, &Timeline)]) {
    // Each sample averages an interval: drawn at its middle.
    let hours = |t: &Timeline, i: usize| (i as f64 + 0.5) * t.step_min / 60.0;
    let end = columns.iter().map(|(_, t)| t.series[k].mean.len() as f64 * t.step_min / 60.0).fold(1.0, f64::max);
    let top = columns.iter().flat_map(|(_, t)| t.series[k].p90.iter().copied()).fold(1.0, f64::max) * 1.08;
    let name = columns[0].1.series[k].name.replace('_', " ");
    let mut chart = ChartBuilder::on(area)
        .caption(&name, ("sans-serif", 16))
        .margin(10)
        .x_label_area_size(30)
        .y_label_area_size(45)
        .build_cartesian_2d(0.0..end, 0.0..top)
        .expect("drawing to a string");
    chart
        .configure_mesh()
        .light_line_style(RGBColor(235, 235, 235))
        .x_desc("hours")
        .x_labels(9)
        .y_labels(6)
        .draw()
        .expect("drawing to a string");
    for (j, (label, t)) in columns.iter().enumerate() {
        let s = &t.series[k];
        let c = colour(j);
        let band: Vec<(f64, f64)> = (0..s.p90.len())
            .map(|i| (hours(t, i), s.p90[i]))
            .chain((0..s.p10.len()).rev().map(|i| (hours(t, i), s.p10[i])))
            .collect();
        chart.draw_series([Polygon::new(band, c.mix(0.15).filled())]).expect("drawing to a string");
        chart
            .draw_series(LineSeries::new((0..s.mean.len()).map(|i| (hours(t, i), s.mean[i])), c.stroke_width(2)))
            .expect("drawing to a string")
            .label(*label)
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 16, y)], c.stroke_width(2)));
    }
    if columns.len() > 1 {
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(GREY)
            .position(SeriesLabelPosition::UpperRight)
            .draw()
            .expect("drawing to a string");
    }
}

/// The stress matrix as a heatmap: a row per KPI, a column per disrupted scenario, each cell its
/// relative change against the baseline — green when better, red when worse (by the KPI's own
/// direction; blue-grey for neutral KPIs), deeper the larger, pale when the paired interval
/// includes zero.
pub fn heatmap_svg(m: &Matrix) -> String {
    let (label_w, cell_w, cell_h) = (230, 150, 30);
    let others = &m.columns[1.min(m.columns.len())..];
    let size = (label_w + cell_w * others.len().max(1) as u32 + 20, 40 + 60 + cell_h * m.kpis.len() as u32 + 20);
    let title = format!(
        "Change against {}: green better, red worse, blue-grey neither, pale not significant",
        m.columns[0].name
    );
    svg(size, &title, |body| {
        let text = |s: &str, x: i32, y: i32, size: i32, anchor: Pos| {
            body.draw(&Text::new(s.to_string(), (x, y), TextStyle::from(("sans-serif", size).into_font()).pos(anchor)))
                .expect("drawing to a string");
        };
        let centre = Pos::new(HPos::Center, VPos::Center);
        for (j, c) in others.iter().enumerate() {
            let x = (label_w + cell_w * j as u32 + cell_w / 2) as i32;
            let name: String = c.name.chars().take(22).collect();
            text(&name, x, 40, 12, centre);
        }
        for (r, k) in m.kpis.iter().enumerate() {
            let y = 60 + (cell_h * r as u32) as i32;
            text(k, 8, y + cell_h as i32 / 2, 13, Pos::new(HPos::Left, VPos::Center));
            let base = m.columns[0].kpis[k].0.mean;
            for (j, c) in others.iter().enumerate() {
                let x = (label_w + cell_w * j as u32) as i32;
                let Some(d) = &c.kpis[k].1 else { continue };
                let rel = if base != 0.0 { d.mean / base.abs() } else { d.mean.signum() };
                let depth = (rel.abs() / 0.5).min(1.0) * if d.significant { 0.85 } else { 0.2 } + 0.05;
                // Neutral KPIs (work done, use of resources) get no good/bad colour.
                let hue = match crate::compare::Direction::of(k) {
                    _ if d.mean == 0.0 => GREY,
                    None => BLUE_GREY,
                    Some(direction) if direction.gain(d.mean, 0.0) > 0.0 => GREEN,
                    Some(_) => RED,
                };
                let fill = mix(hue, depth);
                let rect =
                    Rectangle::new([(x + 1, y + 1), (x + cell_w as i32 - 1, y + cell_h as i32 - 1)], fill.filled());
                body.draw(&rect).expect("drawing to a string");
                let label = if base != 0.0 { format!("{:+.1}%", rel * 100.0) } else { format!("{:+.3}", d.mean) };
                let label = format!("{label}{}", if d.significant { " *" } else { "" });
                text(&label, x + cell_w as i32 / 2, y + cell_h as i32 / 2, 13, centre);
            }
        }
    })
}

/// `c` blended onto white: 0 is white, 1 is `c`.
fn mix(c: RGBColor, a: f64) -> RGBColor {
    let ch = |v: u8| (255.0 - (255.0 - v as f64) * a).round() as u8;
    RGBColor(ch(c.0), ch(c.1), ch(c.2))
}

/// Tuning candidates on two KPIs: every candidate (hollow when infeasible), the Pareto front
/// joined in red, the recommended one ringed.
pub fn pareto_svg(
    title: &str,
    axes: (&str, &str),
    points: &[(f64, f64)],
    feasible: &[bool],
    front: &[usize],
    best: Option<usize>,
) -> String {
    let range = |f: fn(&(f64, f64)) -> f64| {
        let (lo, hi) = points.iter().map(f).fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| (l.min(v), h.max(v)));
        let pad = ((hi - lo) * 0.08).max(1e-6 * hi.abs().max(1.0));
        lo - pad..hi + pad
    };
    svg((720, 520), title, |body| {
        if points.is_empty() {
            return;
        }
        let mut chart = ChartBuilder::on(body)
            .margin(15)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(range(|p| p.0), range(|p| p.1))
            .expect("drawing to a string");
        chart
            .configure_mesh()
            .light_line_style(RGBColor(235, 235, 235))
            .x_desc(axes.0)
            .y_desc(axes.1)
            .draw()
            .expect("drawing to a string");
        let blue = colour(0);
        let dots = points
            .iter()
            .zip(feasible)
            .map(|(p, ok)| Circle::new(*p, 4, if *ok { blue.filled() } else { GREY.stroke_width(1) }));
        chart.draw_series(dots).expect("drawing to a string");
        let mut line: Vec<(f64, f64)> = front.iter().map(|&i| points[i]).collect();
        line.sort_by(|a, b| a.0.total_cmp(&b.0));
        chart.draw_series(LineSeries::new(line.clone(), RED.stroke_width(2))).expect("drawing to a string");
        chart.draw_series(line.iter().map(|p| Circle::new(*p, 5, RED.filled()))).expect("drawing to a string");
        if let Some(b) = best {
            chart.draw_series([Circle::new(points[b], 10, BLACK.stroke_width(2))]).expect("drawing to a string");
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Column, PairedDiff, ScenarioInfo, Stat};

    fn fill(c: RGBColor, depth: f64) -> String {
        let m = mix(c, depth);
        format!("#{:02X}{:02X}{:02X}", m.0, m.1, m.2)
    }

    #[test]
    fn the_heatmap_colours_by_each_kpis_direction_and_neutral_ones_not_at_all() {
        let column = |name: &str, change: Option<f64>| Column {
            name: name.into(),
            scenario: ScenarioInfo { name: name.into(), path: String::new(), hash: String::new() },
            policy: serde_json::Value::Null,
            policy_hash: String::new(),
            kpis: ["eta_risk_lead_min_mean", "vehicle_utilisation"]
                .into_iter()
                .map(|k| {
                    let base = Stat::of(&[10.0, 10.0]);
                    let diff = change.map(|d| PairedDiff::of(&[10.0, 10.0], &[10.0 + d, 10.0 + d * 1.1]));
                    (k.to_string(), (base, diff))
                })
                .collect(),
            timeline: None,
            warnings: Vec::new(),
        };
        let m = Matrix {
            tool: "dtwin".into(),
            version: "0".into(),
            seed: 1,
            replications: 2,
            warmup_h: 0.0,
            precision: None,
            kpis: vec!["eta_risk_lead_min_mean".into(), "vehicle_utilisation".into()],
            columns: vec![column("base", None), column("more", Some(5.0))],
            ranking: None,
        };
        let svg = heatmap_svg(&m).to_uppercase();
        let d = m.columns[1].kpis["eta_risk_lead_min_mean"].1.clone().unwrap();
        let depth = ((d.mean / 10.0).abs() / 0.5).min(1.0) * if d.significant { 0.85 } else { 0.2 } + 0.05;
        // More lead time to act on an ETA risk is better: green, never red.
        assert!(svg.contains(&fill(GREEN, depth)), "{svg}");
        assert!(!svg.contains(&fill(RED, depth)));
        // Utilisation is neither: blue-grey.
        assert!(svg.contains(&fill(BLUE_GREY, depth)));
    }
}
