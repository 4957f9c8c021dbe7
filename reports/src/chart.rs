//! Charts drawn with plotters as self-contained SVG.

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::Matrix;

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

fn panel(area: &DrawingArea<SVGBackend, Shift>, kpi: &str, m: &Matrix, names: &[&str], label_w: u32) {
    let diffs: Vec<_> = m.columns[1..].iter().map(|c| c.kpis[kpi].1.clone().expect("a paired difference")).collect();
    let ends = diffs.iter().flat_map(|d| [d.mean, d.ci95_low.unwrap_or(d.mean), d.ci95_high.unwrap_or(d.mean)]);
    let (lo, hi) = ends.fold((0.0f64, 0.0f64), |(lo, hi), x| (lo.min(x), hi.max(x)));
    let pad = ((hi - lo) * 0.08).max(1e-9);
    let mut chart = ChartBuilder::on(area)
        .caption(kpi, ("sans-serif", 16))
        .margin(10)
        .x_label_area_size(28)
        .y_label_area_size(label_w)
        .build_cartesian_2d(lo - pad..hi + pad, (0..names.len()).into_segmented())
        .expect("drawing to a string");
    chart
        .configure_mesh()
        .disable_y_mesh()
        .light_line_style(TRANSPARENT)
        .y_labels(names.len())
        .y_label_formatter(&|y| match y {
            SegmentValue::CenterOf(i) if *i < names.len() => names[names.len() - 1 - i].to_string(),
            _ => String::new(),
        })
        .x_labels(6)
        .draw()
        .expect("drawing to a string");
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
