//! Charts drawn with plotters as self-contained SVG.

use plotters::coord::Shift;
use plotters::coord::ranged1d::{KeyPointHint, NoDefaultFormatting, Ranged, SegmentedCoord, ValueFormatter};
use plotters::coord::types::{RangedCoordf64, RangedCoordusize};
use plotters::prelude::*;

use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::{Matrix, Stat, Timeline};

const PANEL_W: u32 = 560;
const ROW_H: u32 = 34;
/// A forest row carries its own axis.
const FOREST_ROW_H: u32 = 66;

/// The stress matrix as a forest plot: a panel per KPI, a row per disrupted scenario, its paired
/// change against the baseline as a dot with its 95% interval. Filled red when the interval
/// excludes zero, hollow grey when not. Each row has its own scale, in the KPI's unit.
pub fn matrix_svg(m: &Matrix) -> String {
    let names: Vec<&str> = m.columns.iter().skip(1).map(|c| c.name.as_str()).collect();
    let cols = m.kpis.len().clamp(1, 2) as u32;
    let rows = m.kpis.len().div_ceil(2).max(1) as u32;
    let panel_h = 40 + FOREST_ROW_H * names.len().max(1) as u32;
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
    let mut builder = ChartBuilder::on(area);
    if !caption.is_empty() {
        builder.caption(caption, ("sans-serif", 16));
    }
    let mut chart = builder
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
        .x_label_formatter(&|v| tick(*v))
        .draw()
        .expect("drawing to a string");
    chart
}

/// A KPI's panel of the forest plot: a row per scenario, each on its own scale (one scale for
/// all would squash a small change next to a large one to a dot), zero marked on each.
fn panel(area: &DrawingArea<SVGBackend, Shift>, kpi: &str, m: &Matrix, names: &[&str], label_w: u32) {
    let diffs: Vec<_> = m.columns[1..].iter().map(|c| c.kpis[kpi].1.clone().expect("a paired difference")).collect();
    let area = area.titled(kpi, ("sans-serif", 16)).expect("drawing to a string");
    for (i, (d, row)) in diffs.iter().zip(area.split_evenly((diffs.len().max(1), 1))).enumerate() {
        let (l, h) = (d.ci95_low.unwrap_or(d.mean), d.ci95_high.unwrap_or(d.mean));
        let (lo, hi) = if d.mean.is_nan() { (0.0, 0.0) } else { (l.min(0.0).min(d.mean), h.max(0.0).max(d.mean)) };
        let pad = padding(lo, hi);
        let mut chart = rows_chart(&row, "", lo - pad..hi + pad, &names[i..=i], label_w);
        if d.mean.is_nan() {
            let note = EmptyElement::at((lo, SegmentValue::CenterOf(0)))
                + Text::new("undefined (no replication has it)", (6, -6), ("sans-serif", 12).into_font());
            chart.draw_series([note]).expect("drawing to a string");
            continue;
        }
        let y = || SegmentValue::CenterOf(0);
        let zero = [(0.0, SegmentValue::Exact(0)), (0.0, SegmentValue::Exact(1))];
        chart.draw_series([PathElement::new(zero, BLACK.stroke_width(1))]).expect("drawing to a string");
        let color = if d.significant { RED } else { GREY };
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
    // Undefined in every replication: a row with no box.
    let defined = boxes.iter().filter(|(_, s)| s.defined());
    let (lo, hi) = defined.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), (_, s)| {
        (lo.min(s.p5).min(s.mean), hi.max(s.p95).max(s.mean))
    });
    let (lo, hi) = if lo <= hi { (lo, hi) } else { (0.0, 0.0) };
    let pad = padding(lo, hi);
    let names: Vec<&str> = boxes.iter().map(|(name, _)| *name).collect();
    let mut chart = rows_chart(area, kpi, lo - pad..hi + pad, &names, label_w);
    for (i, (_, s)) in boxes.iter().enumerate().filter(|(_, (_, s))| s.defined()) {
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

/// Room on either side of `[lo, hi]` on an axis; a range of one value (a KPI that is always 0)
/// gets an axis around it of readable width, not one of a billionth.
fn padding(lo: f64, hi: f64) -> f64 {
    if hi - lo > 1e-9 * hi.abs().max(lo.abs()).max(1.0) { (hi - lo) * 0.08 } else { (hi.abs() * 0.1).max(1.0) }
}

/// A tick label: no needless zeros, no `-0`, at most six significant digits.
pub(crate) fn tick(v: f64) -> String {
    if v.abs() < 1e-12 {
        return "0".into();
    }
    let decimals = (5 - v.abs().log10().floor() as i32).clamp(0, 12) as usize;
    let s = format!("{v:.decimals$}");
    let s = if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.') } else { &s };
    if s == "-0" { "0".into() } else { s.to_string() }
}

/// Clock time of `hours` after the start: `06:30`, and past the first day `d2 06:30`.
pub(crate) fn clock(hours: f64) -> String {
    let minutes = (hours * 60.0).round().max(0.0) as u64;
    let (day, h, m) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    if day > 0 { format!("d{} {h:02}:{m:02}", day + 1) } else { format!("{h:02}:{m:02}") }
}

/// Whole hours to mark on a time axis to `end` hours: at most nine, at a clock-friendly step.
fn hour_ticks(end: f64) -> Vec<f64> {
    let step = [1.0, 2.0, 3.0, 4.0, 6.0, 12.0, 24.0, 48.0, 72.0, 168.0]
        .into_iter()
        .find(|s| end / s <= 8.0)
        .unwrap_or_else(|| (end / 8.0 / 24.0).ceil() * 24.0);
    (0..).map(|k| k as f64 * step).take_while(|h| *h <= end + 1e-9).collect()
}

/// A time axis in hours, marked at whole hours and labelled in clock time.
struct HourAxis {
    hours: RangedCoordf64,
    ticks: Vec<f64>,
}

impl HourAxis {
    fn new(end: f64) -> HourAxis {
        HourAxis { hours: (0.0..end).into(), ticks: hour_ticks(end) }
    }
}

impl Ranged for HourAxis {
    type FormatOption = NoDefaultFormatting;
    type ValueType = f64;
    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.hours.map(value, limit)
    }
    fn key_points<Hint: KeyPointHint>(&self, _: Hint) -> Vec<f64> {
        self.ticks.clone()
    }
    fn range(&self) -> std::ops::Range<f64> {
        self.hours.range()
    }
}

impl ValueFormatter<f64> for HourAxis {
    fn format(hours: &f64) -> String {
        clock(*hours)
    }
}

/// Shading for the disruptions under way in a single run: one colour apart from the series'.
const UNDER_WAY: RGBColor = RGBColor(255, 150, 40);

/// Quantities through the day: a panel each, a line per alternative (the mean over
/// replications) in a band from the 10th to the 90th percentile; the time axis in clock time;
/// disruptions under way shaded (deeper where more replications had them); the legend above
/// the panels, never over a line.
pub fn timeline_svg(title: &str, columns: &[(&str, &Timeline)]) -> String {
    let series = columns.first().map_or(0, |(_, t)| t.series.len());
    let rows = series.div_ceil(2).max(1);
    let legend_h = 34;
    svg((2 * PANEL_W, 40 + legend_h + 300 * rows as u32), title, |body| {
        let (legend, panels) = body.split_vertically(legend_h);
        let shades = shadings(columns);
        timeline_legend(&legend, columns, &shades);
        for (k, area) in (0..series).zip(&panels.split_evenly((rows, 2))) {
            timeline_panel(area, k, columns, &shades);
        }
    })
}

/// A line per alternative (when there are several) and a swatch per kind of shading.
fn timeline_legend(area: &DrawingArea<SVGBackend, Shift>, columns: &[(&str, &Timeline)], shades: &[Shade]) {
    let mut entries: Vec<(String, RGBColor, bool)> = Vec::new();
    if columns.len() > 1 {
        entries.extend(columns.iter().enumerate().map(|(j, (name, _))| (name.to_string(), colour(j), true)));
    }
    entries.extend(shades.iter().map(|(label, c, _, _)| (label.clone(), *c, false)));
    let style = TextStyle::from(("sans-serif", 13).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
    let (mut x, mut y) = (20, 12);
    for (label, c, line) in entries {
        let width = 30 + 7 * label.len() as i32;
        if x + width > (2 * PANEL_W) as i32 - 10 {
            (x, y) = (20, y + 16);
        }
        if line {
            area.draw(&PathElement::new([(x, y), (x + 18, y)], c.stroke_width(3))).expect("drawing to a string");
        } else {
            area.draw(&Rectangle::new([(x, y - 6), (x + 18, y + 6)], c.mix(0.3).filled()))
                .expect("drawing to a string");
        }
        area.draw(&Text::new(label, (x + 24, y), style.clone())).expect("drawing to a string");
        x += width + 16;
    }
}

/// The disruption windows to shade, with their legend text and colour: a window every
/// alternative shares (the same scenario under several policies) once, in one colour; the others
/// in their alternative's colour.
/// A disruption window to shade: its legend text, colour, shares, and whether every alternative has it.
type Shade<'a> = (String, RGBColor, &'a crate::UnderWay, bool);

fn shadings<'a>(columns: &[(&str, &'a Timeline)]) -> Vec<Shade<'a>> {
    let shared = |d: &crate::UnderWay| columns.iter().all(|(_, t)| t.disruptions.contains(d));
    let mut out = Vec::new();
    if let Some((_, first)) = columns.first() {
        let all = first.disruptions.iter().filter(|d| shared(d));
        out.extend(all.map(|d| (format!("{} under way", d.name), UNDER_WAY, d, true)));
    }
    for (j, (name, t)) in columns.iter().enumerate() {
        for d in t.disruptions.iter().filter(|d| !shared(d)) {
            out.push((format!("{name}: {} under way", d.name), colour(j), d, false));
        }
    }
    out
}

fn timeline_panel(area: &DrawingArea<SVGBackend, Shift>, k: usize, columns: &[(&str, &Timeline)], shades: &[Shade]) {
    // Each sample averages an interval: drawn at its middle.
    let hours = |t: &Timeline, i: usize| (i as f64 + 0.5) * t.step_min / 60.0;
    let end = columns.iter().map(|(_, t)| t.series[k].mean.len() as f64 * t.step_min / 60.0).fold(1.0, f64::max);
    let lanes = shades.iter().filter(|s| !s.3).count();
    let top = columns.iter().flat_map(|(_, t)| t.series[k].p90.iter().copied()).fold(1.0, f64::max)
        * (1.08 + 0.05 * lanes as f64);
    let name = columns[0].1.series[k].name.replace('_', " ");
    let mut chart = ChartBuilder::on(area)
        .caption(&name, ("sans-serif", 16))
        .margin(10)
        .margin_right(20)
        .x_label_area_size(30)
        .y_label_area_size(50)
        .build_cartesian_2d(HourAxis::new(end), 0.0..top)
        .expect("drawing to a string");
    chart
        .configure_mesh()
        .light_line_style(RGBColor(240, 240, 240))
        .y_label_formatter(&|v| tick(*v))
        .y_labels(6)
        .label_style(("sans-serif", 12))
        .draw()
        .expect("drawing to a string");
    // A window all alternatives share fills the panel's height; the others are lanes along the
    // top, one per window, so that overlapping ones stay apart.
    let step = columns[0].1.step_min / 60.0;
    let mut lane = 0;
    for &(_, shade, d, shared) in shades {
        let (y0, y1, alpha) = if shared {
            (0.0, top, (0.08, 0.22))
        } else {
            lane += 1;
            (top * (1.0 - 0.04 * lane as f64), top * (1.0 - 0.04 * (lane - 1) as f64), (0.3, 0.6))
        };
        let bands = d.share.iter().enumerate().filter(|(_, s)| **s > 0.0).map(|(i, s)| {
            let x0 = i as f64 * step;
            Rectangle::new([(x0, y0), ((x0 + step).min(end), y1)], shade.mix(alpha.0 + alpha.1 * s.min(1.0)).filled())
        });
        chart.draw_series(bands).expect("drawing to a string");
    }
    for (j, (_, t)) in columns.iter().enumerate() {
        let s = &t.series[k];
        let c = colour(j);
        let band: Vec<(f64, f64)> = (0..s.p90.len())
            .map(|i| (hours(t, i), s.p90[i]))
            .chain((0..s.p10.len()).rev().map(|i| (hours(t, i), s.p10[i])))
            .collect();
        chart.draw_series([Polygon::new(band, c.mix(0.15).filled())]).expect("drawing to a string");
        chart
            .draw_series(LineSeries::new((0..s.mean.len()).map(|i| (hours(t, i), s.mean[i])), c.stroke_width(2)))
            .expect("drawing to a string");
    }
}

/// The stress matrix as a heatmap: a row per KPI, a column per disrupted scenario, each cell its
/// relative change against the baseline — green when better, red when worse (by the KPI's own
/// direction; blue-grey for neutral KPIs), deeper the larger, pale when the paired interval
/// includes zero.
pub fn heatmap_svg(m: &Matrix) -> String {
    let others = &m.columns[1.min(m.columns.len())..];
    // Narrower cells for many columns, so that the page does not scale the text down.
    let (label_w, cell_h) = (230, 30);
    let cell_w = ((1150 - label_w) / others.len().max(1) as u32).clamp(100, 150);
    let size = (label_w + cell_w * others.len().max(1) as u32 + 20, 40 + 60 + cell_h * m.kpis.len() as u32 + 20);
    let title = format!("Change against {}", m.columns[0].name);
    svg(size, &title, |body| {
        let text = |s: &str, x: i32, y: i32, size: i32, anchor: Pos| {
            body.draw(&Text::new(s.to_string(), (x, y), TextStyle::from(("sans-serif", size).into_font()).pos(anchor)))
                .expect("drawing to a string");
        };
        let key = "green: better, red: worse, blue-grey: neither way is better; pale: not significant, * significant";
        text(key, 8, 12, 13, Pos::new(HPos::Left, VPos::Center));
        let centre = Pos::new(HPos::Center, VPos::Center);
        for (j, c) in others.iter().enumerate() {
            let x = (label_w + cell_w * j as u32 + cell_w / 2) as i32;
            let name: String = c.name.chars().take(cell_w as usize / 7).collect();
            text(&name, x, 40, 13, centre);
        }
        for (r, k) in m.kpis.iter().enumerate() {
            let y = 60 + (cell_h * r as u32) as i32;
            text(k, 8, y + cell_h as i32 / 2, 14, Pos::new(HPos::Left, VPos::Center));
            let base = m.columns[0].kpis[k].0.mean;
            for (j, c) in others.iter().enumerate() {
                let x = (label_w + cell_w * j as u32) as i32;
                let Some(d) = &c.kpis[k].1 else { continue };
                if d.mean.is_nan() || base.is_nan() {
                    text("-", x + cell_w as i32 / 2, y + cell_h as i32 / 2, 14, centre);
                    continue;
                }
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
                let plus = if d.mean > 0.0 { "+" } else { "" };
                let label =
                    if base != 0.0 { format!("{:+.1}%", rel * 100.0) } else { format!("{plus}{}", tick(d.mean)) };
                let label = format!("{label}{}", if d.significant { " *" } else { "" });
                text(&label, x + cell_w as i32 / 2, y + cell_h as i32 / 2, 14, centre);
            }
        }
    })
}

/// `c` blended onto white: 0 is white, 1 is `c`.
fn mix(c: RGBColor, a: f64) -> RGBColor {
    let ch = |v: u8| (255.0 - (255.0 - v as f64) * a).round() as u8;
    RGBColor(ch(c.0), ch(c.1), ch(c.2))
}

/// Tuning candidates on two KPIs: every candidate (hollow when infeasible) with its number, the
/// Pareto front joined in red, the recommended one ringed, and the constraints on either axis
/// as dashed lines (`bounds`: the axis, 0 for x and 1 for y, the bound and its text).
pub fn pareto_svg(
    title: &str,
    axes: (&str, &str),
    points: &[(f64, f64)],
    feasible: &[bool],
    front: &[usize],
    best: Option<usize>,
    bounds: &[(usize, f64, String)],
) -> String {
    // Candidates whose KPIs are undefined (NaN) are not drawn.
    let defined = |p: &&(f64, f64)| !p.0.is_nan() && !p.1.is_nan();
    let range = |axis: usize| {
        let values = points.iter().filter(defined).map(|p| if axis == 0 { p.0 } else { p.1 });
        let marked = bounds.iter().filter(|b| b.0 == axis).map(|b| b.1);
        let (lo, hi) = values.chain(marked).fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| (l.min(v), h.max(v)));
        let pad = padding(lo, hi);
        lo - pad..hi + pad
    };
    svg((760, 540), title, |body| {
        if !points.iter().any(|p| defined(&p)) {
            return;
        }
        let (xr, yr) = (range(0), range(1));
        let mut chart = ChartBuilder::on(body)
            .margin(15)
            .margin_right(30)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(xr.clone(), yr.clone())
            .expect("drawing to a string");
        chart
            .configure_mesh()
            .light_line_style(RGBColor(240, 240, 240))
            .x_desc(axes.0)
            .y_desc(axes.1)
            .x_label_formatter(&|v| tick(*v))
            .y_label_formatter(&|v| tick(*v))
            .label_style(("sans-serif", 12))
            .draw()
            .expect("drawing to a string");
        for (axis, bound, label) in bounds {
            let line = if *axis == 0 {
                [(*bound, yr.start), (*bound, yr.end)]
            } else {
                [(xr.start, *bound), (xr.end, *bound)]
            };
            chart.draw_series(DashedLineSeries::new(line, 6, 4, GREY.stroke_width(2))).expect("drawing to a string");
            let at = if *axis == 0 { (*bound, yr.end) } else { (xr.start, *bound) };
            let style = TextStyle::from(("sans-serif", 12).into_font()).color(&GREY);
            chart
                .draw_series([EmptyElement::at(at) + Text::new(label.clone(), (4, 4), style)])
                .expect("drawing to a string");
        }
        let blue = colour(0);
        let dots = points
            .iter()
            .zip(feasible)
            .filter(|(p, _)| defined(p))
            .map(|(p, ok)| Circle::new(*p, 4, if *ok { blue.filled() } else { GREY.stroke_width(1) }));
        chart.draw_series(dots).expect("drawing to a string");
        let mut line: Vec<(f64, f64)> = front.iter().map(|&i| points[i]).collect();
        line.sort_by(|a, b| a.0.total_cmp(&b.0));
        chart.draw_series(LineSeries::new(line.clone(), RED.stroke_width(2))).expect("drawing to a string");
        chart.draw_series(line.iter().map(|p| Circle::new(*p, 5, RED.filled()))).expect("drawing to a string");
        let numbers =
            points.iter().enumerate().filter(|(_, p)| defined(p)).map(|(i, p)| {
                EmptyElement::at(*p) + Text::new(format!("#{i}"), (6, -14), ("sans-serif", 11).into_font())
            });
        chart.draw_series(numbers).expect("drawing to a string");
        if let Some(b) = best.filter(|b| defined(&&points[*b])) {
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

    /// A column whose every KPI in `kpis` has the statistics `stat` and the paired change `diff`.
    fn column(name: &str, kpis: &[&str], stat: &Stat, diff: Option<PairedDiff>) -> Column {
        Column {
            name: name.into(),
            scenario: ScenarioInfo { name: name.into(), path: String::new(), hash: String::new() },
            policy: serde_json::Value::Null,
            policy_hash: String::new(),
            kpis: kpis.iter().map(|k| (k.to_string(), (stat.clone(), diff.clone()))).collect(),
            timeline: None,
            warnings: Vec::new(),
        }
    }

    fn matrix(kpis: &[&str], columns: Vec<Column>) -> Matrix {
        Matrix {
            tool: "dtwin".into(),
            version: "0".into(),
            seed: 1,
            replications: 2,
            warmup_h: 0.0,
            precision: None,
            kpis: kpis.iter().map(|k| k.to_string()).collect(),
            columns,
            ranking: None,
        }
    }

    /// The text of every `<text>` element.
    fn texts(svg: &str) -> Vec<String> {
        svg.split("<text")
            .skip(1)
            .map(|t| t[t.find('>').unwrap() + 1..t.find("</text>").unwrap()].trim().to_string())
            .collect()
    }

    #[test]
    fn ticks_have_no_needless_zeros_and_no_negative_zero() {
        assert_eq!(tick(0.1 + 0.2), "0.3");
        assert_eq!(tick(-0.0), "0");
        assert_eq!(tick(-1e-17), "0");
        assert_eq!(tick(1000.0), "1000");
        assert_eq!(tick(-2.5), "-2.5");
        assert_eq!(tick(0.0015), "0.0015");
        assert_eq!(tick(123456.0), "123456");
    }

    #[test]
    fn time_axes_read_in_clock_time_with_the_day_past_24_hours() {
        assert_eq!(clock(6.5), "06:30");
        assert_eq!(clock(0.0), "00:00");
        assert_eq!(clock(30.0), "d2 06:00");
        assert_eq!(hour_ticks(24.0), (0..=8).map(|k| k as f64 * 3.0).collect::<Vec<_>>());
        assert_eq!(hour_ticks(72.0).len(), 7, "every 12 hours over three days");
    }

    fn timeline(level: f64, disruptions: Vec<crate::UnderWay>) -> Timeline {
        use sim::Level::{DockQueue, OpenOrders};
        let mut t = Timeline::of(15.0, [OpenOrders.name(), DockQueue.name()], &[&[[level, 0.0]; 96][..]]);
        t.disruptions = disruptions;
        t
    }

    #[test]
    fn timelines_in_clock_time_legend_outside_disruptions_shaded() {
        let storm = crate::UnderWay {
            name: "weather (disruption 1)".into(),
            share: (0..96).map(|i| if (24..44).contains(&i) { 1.0 } else { 0.0 }).collect(),
        };
        let (a, b) = (timeline(5.0, vec![storm.clone()]), timeline(7.0, vec![storm]));
        let svg = timeline_svg("t", &[("a", &a), ("b", &b)]);
        let labels = texts(&svg);
        assert!(labels.iter().any(|l| l == "06:00") && labels.iter().any(|l| l == "d2 00:00"), "{labels:?}");
        // A constant-zero quantity: no "-0", no "0.0".
        assert!(!labels.iter().any(|l| l.starts_with("-0") || l.ends_with(".0")), "{labels:?}");
        // The legend sits above the panels: its entries come before the first panel's caption.
        let legend = labels.iter().position(|l| l == "a").unwrap();
        let caption = labels.iter().position(|l| l == "open orders").unwrap();
        assert!(legend < caption, "{labels:?}");
        // The shared storm is shaded once, in its own colour, and named in the legend.
        assert!(labels.iter().any(|l| l == "weather (disruption 1) under way"), "{labels:?}");
        let fill = format!("FILL=\"#{:02X}{:02X}{:02X}\"", UNDER_WAY.0, UNDER_WAY.1, UNDER_WAY.2);
        let shaded = svg.to_uppercase().matches(&fill).count();
        assert_eq!(shaded, 2 * 20 + 1, "20 quarter hours in each of two panels, and the legend's swatch");
    }

    #[test]
    fn each_row_of_a_forest_panel_has_its_own_scale() {
        let stat = Stat::of(&[1.0, 2.0]);
        let change = |d: f64| Some(PairedDiff::of(&[0.0, 0.0], &[d, d * 1.2]));
        let kpis = ["trips"];
        let columns = [("base", None), ("small", change(0.004)), ("large", change(400.0))];
        let m = matrix(&kpis, columns.into_iter().map(|(name, d)| column(name, &kpis, &stat, d)).collect());
        let labels = texts(&matrix_svg(&m));
        // The small change gets ticks of its own size, not just the large one's.
        assert!(labels.iter().any(|l| l == "0.004" || l == "0.002"), "{labels:?}");
        assert!(labels.iter().any(|l| l == "400" || l == "300"), "{labels:?}");
    }

    #[test]
    fn pareto_points_are_numbered_and_constraints_drawn() {
        let svg = pareto_svg(
            "p",
            ("x", "y"),
            &[(1.0, 2.0), (2.0, 1.0)],
            &[true, true],
            &[0, 1],
            Some(0),
            &[(0, 1.5, "x >= 1.5".into())],
        );
        let labels = texts(&svg);
        assert!(labels.iter().any(|l| l == "#0") && labels.iter().any(|l| l == "#1"), "{labels:?}");
        assert!(labels.iter().any(|l| l == "x &gt;= 1.5" || l == "x >= 1.5"), "{labels:?}");
        assert!(svg.contains("stroke-dasharray") || svg.matches("<polyline").count() > 2, "a dashed line");
    }

    #[test]
    fn the_heatmap_colours_by_each_kpis_direction_and_neutral_ones_not_at_all() {
        let (kpis, base) = (["eta_risk_lead_min_mean", "vehicle_utilisation"], Stat::of(&[10.0, 10.0]));
        let more = Some(PairedDiff::of(&[10.0, 10.0], &[15.0, 15.5]));
        let m = matrix(&kpis, vec![column("base", &kpis, &base, None), column("more", &kpis, &base, more)]);
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
