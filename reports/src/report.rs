//! Reports a person reads: a self-contained HTML page (charts inline as SVG) and the same
//! tables in Markdown. Each is rendered from a saved result alone (`summary.json`,
//! `stress.json`, `compare.json`, `tune.json`), so `dtwin report DIR` can redo it.

use crate::tune::TuneResult;
use crate::{Matrix, Stat, Summary, chart, ci_text, matrix_cell, num};

/// What a planner looks at first; the box plots show these. From sim's KPI table
/// ([`sim::KpiDef::headline`]).
pub const HEADLINE_KPIS: &[&str] = sim::kpi::HEADLINE_NAMES;

/// Where a KPI goes in a table: the headline KPIs first, then the others in the order of their
/// definitions ([`sim::KPIS`]), unknown ones last.
fn report_order(kpi: &str) -> (usize, usize) {
    match sim::kpi_def(kpi) {
        Some(def) => def.headline.map_or((1, def.id as usize), |place| (0, place as usize)),
        None => (1, usize::MAX),
    }
}

/// `report.html` and `report.md`.
pub struct Report {
    pub html: String,
    pub markdown: String,
}

/// Builds the HTML page and the Markdown side by side.
struct Doc {
    html: String,
    md: String,
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:1180px;margin:2em auto;padding:0 1em;color:#222}\
table{border-collapse:collapse;margin:1em 0;font-size:14px}th,td{border:1px solid #ccc;padding:4px 8px;text-align:right}\
th:first-child,td:first-child{text-align:left}th{background:#f3f3f3}svg{max-width:100%;height:auto}\
.prov td{text-align:left;overflow-wrap:anywhere}figure{margin:1em 0}";

impl Doc {
    fn new(title: &str) -> Doc {
        let t = escape(title);
        Doc {
            html: format!(
                "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t}</title><style>{STYLE}</style></head><body>\n<h1>{t}</h1>\n"
            ),
            md: format!("# {title}\n\n"),
        }
    }

    fn heading(&mut self, text: &str) {
        self.html += &format!("<h2>{}</h2>\n", escape(text));
        self.md += &format!("## {text}\n\n");
    }

    fn para(&mut self, text: &str) {
        self.html += &format!("<p>{}</p>\n", escape(text));
        self.md += &format!("{text}\n\n");
    }

    fn table(&mut self, class: &str, header: &[&str], rows: &[Vec<String>]) {
        self.html += &format!("<table class=\"{class}\"><tr>");
        for h in header {
            self.html += &format!("<th>{}</th>", escape(h));
        }
        self.html += "</tr>\n";
        for r in rows {
            self.html += "<tr>";
            for c in r {
                self.html += &format!("<td>{}</td>", escape(c));
            }
            self.html += "</tr>\n";
        }
        self.html += "</table>\n";
        let cell = |s: &str| s.replace('|', "\\|");
        self.md += &format!(
            "| {} |\n|{}\n",
            header.iter().map(|h| cell(h)).collect::<Vec<_>>().join(" | "),
            "---|".repeat(header.len())
        );
        for r in rows {
            self.md += &format!("| {} |\n", r.iter().map(|c| cell(c)).collect::<Vec<_>>().join(" | "));
        }
        self.md += "\n";
    }

    /// A chart: inline in the page; in Markdown, a pointer to the page.
    fn figure(&mut self, caption: &str, svg: String) {
        // From the <svg> element on: an XML declaration has no place inside HTML.
        let svg = &svg[svg.find("<svg").unwrap_or(0)..];
        self.html += &format!("<figure>{svg}<figcaption>{}</figcaption></figure>\n", escape(caption));
        self.md += &format!("_Chart in report.html: {caption}_\n\n");
    }

    fn finish(mut self) -> Report {
        self.html += "</body></html>\n";
        Report { html: self.html, markdown: self.md }
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn policy_kind(policy: &serde_json::Value) -> String {
    policy.get("kind").and_then(|k| k.as_str()).unwrap_or("?").to_string()
}

fn precision_row(p: &Option<crate::Precision>) -> Option<Vec<String>> {
    p.as_ref().map(|p| {
        let how = if p.reached { "reached" } else { "not reached: stopped at the maximum" };
        vec![
            "precision".into(),
            format!(
                "half-width of {} <= {} (max {} replications): {} ({how})",
                p.kpi,
                p.target,
                p.max,
                num(p.half_width)
            ),
        ]
    })
}

/// What the run noticed that changes how its results read (disruptions that reached nothing).
fn warnings<'a>(doc: &mut Doc, warnings: impl Iterator<Item = &'a str>) {
    let rows: Vec<Vec<String>> = warnings.map(|w| vec![w.to_string()]).collect();
    if !rows.is_empty() {
        doc.heading("Warnings");
        doc.table("warnings", &["warning"], &rows);
    }
}

/// The report of `dtwin run`.
pub fn run(s: &Summary) -> Report {
    let mut doc = Doc::new(&format!("dtwin run: {}", s.scenario.name));
    doc.heading("Provenance");
    let mut prov = vec![
        vec!["tool".into(), format!("{} {}", s.tool, s.version)],
        vec!["scenario".into(), format!("{} ({}), hash {}", s.scenario.name, s.scenario.path, s.scenario.hash)],
        vec!["policy".into(), format!("{}, hash {}: {}", policy_kind(&s.policy), s.policy_hash, s.policy)],
        vec!["seed".into(), s.seed.to_string()],
        vec!["replications".into(), s.replications.to_string()],
        vec!["warm-up".into(), format!("{} h", s.warmup_h)],
        vec!["fingerprint".into(), s.fingerprint.clone()],
    ];
    prov.extend(precision_row(&s.precision));
    doc.table("prov", &["", ""], &prov);
    warnings(&mut doc, s.warnings.iter().map(|w| w.as_str()));

    doc.heading("KPIs");
    doc.para(
        "Mean over the replications with its Student-t 95% confidence interval, and percentiles across replications.",
    );
    let mut kpis: Vec<(&String, &Stat)> = s.kpis.iter().collect();
    kpis.sort_by_key(|(k, _)| report_order(k));
    let rows: Vec<Vec<String>> = kpis
        .into_iter()
        .map(|(k, st)| vec![k.clone(), num(st.mean), ci_text(st), num(st.p5), num(st.p50), num(st.p95)])
        .collect();
    doc.table("kpis", &["kpi", "mean", "95% CI", "p5", "p50", "p95"], &rows);

    let boxes: Vec<(&str, Vec<(&str, &Stat)>)> = HEADLINE_KPIS
        .iter()
        .filter_map(|k| s.kpis.get(*k).map(|st| (*k, vec![(s.scenario.name.as_str(), st)])))
        .collect();
    doc.heading("Distributions across replications");
    doc.figure(
        "box from p25 to p75, bar at the median, whiskers p5 to p95, dot at the mean",
        chart::box_plots_svg(&format!("{} replications", s.replications), &boxes),
    );
    if let Some(t) = &s.timeline {
        doc.heading("Through the day");
        doc.figure(
            "mean over replications, band from the 10th to the 90th percentile; shaded while a disruption was under way (deeper where more replications had it)",
            chart::timeline_svg(&s.scenario.name, &[(s.scenario.name.as_str(), t)]),
        );
    }
    doc.finish()
}

/// The report of `dtwin stress` (`kind` "stress") or `dtwin compare` ("compare").
pub fn matrix(kind: &str, m: &Matrix) -> Report {
    let base = &m.columns[0];
    let title = match kind {
        "compare" => format!("dtwin compare: {} policies on {}", m.columns.len(), base.scenario.name),
        _ => format!("dtwin stress: {} against {} scenario(s)", base.name, m.columns.len() - 1),
    };
    let mut doc = Doc::new(&title);
    doc.heading("Provenance");
    let mut prov = vec![
        vec!["tool".into(), format!("{} {}", m.tool, m.version)],
        vec![
            "seed".into(),
            format!("{} (common random numbers: replication i of every column uses the same streams)", m.seed),
        ],
        vec!["replications".into(), m.replications.to_string()],
        vec!["warm-up".into(), format!("{} h", m.warmup_h)],
    ];
    prov.extend(precision_row(&m.precision));
    doc.table("prov", &["", ""], &prov);
    let cols: Vec<Vec<String>> = m
        .columns
        .iter()
        .map(|c| {
            vec![
                c.name.clone(),
                format!("{} ({})", c.scenario.name, c.scenario.path),
                c.scenario.hash.clone(),
                policy_kind(&c.policy),
                c.policy_hash.clone(),
            ]
        })
        .collect();
    doc.table("prov", &["column", "scenario", "scenario hash", "policy", "policy hash"], &cols);
    let noticed: Vec<String> =
        m.columns.iter().flat_map(|c| c.warnings.iter().map(move |w| format!("{}: {w}", c.name))).collect();
    warnings(&mut doc, noticed.iter().map(|w| w.as_str()));

    if let Some(r) = &m.ranking {
        doc.heading("Ranking");
        doc.para(&format!(
            "On {}: multiple comparisons with the best, Bonferroni-adjusted paired t intervals at family-wise level {} (Hsu 1996). \
             A policy whose shortfall interval includes zero is statistically indistinguishable from the best.",
            r.objective, r.alpha
        ));
        let rows: Vec<Vec<String>> = m
            .columns
            .iter()
            .zip(&r.columns)
            .enumerate()
            .map(|(j, (c, a))| {
                let interval = match (a.shortfall_low, a.shortfall_high) {
                    (Some(lo), Some(hi)) => format!("[{}, {}]", num(lo), num(hi)),
                    _ => "-".into(),
                };
                let verdict = if j == r.best {
                    "best"
                } else if a.tied_with_best {
                    "tied with the best"
                } else {
                    "worse"
                };
                vec![c.name.clone(), num(a.mean), num(a.shortfall), interval, verdict.into()]
            })
            .collect();
        doc.table("rank", &["policy", "mean", "shortfall", "interval", "verdict"], &rows);
    }

    doc.heading("KPIs");
    doc.para(&format!(
        "Mean over the replications; after {}, the paired change against it with its 95% interval, * where it excludes zero.",
        base.name
    ));
    let mut header = vec!["kpi"];
    header.extend(m.columns.iter().map(|c| c.name.as_str()));
    let rows: Vec<Vec<String>> = m
        .kpis
        .iter()
        .map(|k| {
            let mut row = vec![k.clone()];
            row.extend(m.columns.iter().map(|c| matrix_cell(&c.kpis[k].0, c.kpis[k].1.as_ref())));
            row
        })
        .collect();
    doc.table("kpis", &header, &rows);

    if kind == "stress" {
        doc.heading("Heatmap");
        doc.figure("relative change of each KPI's mean against the baseline", chart::heatmap_svg(m));
    }
    doc.heading("Changes with their intervals");
    doc.figure("paired change against the first column, 95% interval", chart::matrix_svg(m));
    doc.heading("Distributions across replications");
    let boxes: Vec<(&str, Vec<(&str, &Stat)>)> = m
        .kpis
        .iter()
        .map(|k| (k.as_str(), m.columns.iter().map(|c| (c.name.as_str(), &c.kpis[k].0)).collect()))
        .collect();
    doc.figure(
        "box from p25 to p75, bar at the median, whiskers p5 to p95, dot at the mean",
        chart::box_plots_svg(&format!("{} replications each", m.replications), &boxes),
    );
    let timelines: Option<Vec<(&str, &crate::Timeline)>> =
        m.columns.iter().map(|c| c.timeline.as_ref().map(|t| (c.name.as_str(), t))).collect();
    if let Some(t) = timelines {
        doc.heading("Through the day");
        doc.figure(
            "mean over replications, band from the 10th to the 90th percentile; shaded while a disruption was under way (deeper where more replications had it)",
            chart::timeline_svg("Through the day", &t),
        );
    }
    doc.finish()
}

/// The report of `dtwin tune`.
pub fn tune(t: &TuneResult) -> Report {
    let mut doc = Doc::new(&format!("dtwin tune: {} candidates, objective {}", t.candidates.len(), t.objective));
    doc.heading("Provenance");
    let field = |k: &str| t.search.get(k).map_or("-".to_string(), |v| v.to_string());
    let prov = vec![
        vec!["tool".into(), format!("{} {}", t.tool, t.version)],
        vec!["scenario hashes".into(), field("scenarios")],
        vec!["policy".into(), field("policy")],
        vec!["parameters".into(), field("params")],
        vec![
            "search".into(),
            match t.search.get("search").and_then(|s| s.as_str()) {
                Some("grid") => format!("grid, {} candidates", t.candidates.len()),
                _ => format!("{}, {} samples", field("search"), field("samples")),
            },
        ],
        vec!["seed".into(), format!("{} (common random numbers across candidates)", field("seed"))],
        vec!["replications".into(), field("replications")],
        vec!["warm-up".into(), format!("{} h", field("warmup_h"))],
        vec![
            "constraints".into(),
            if t.constraints.is_empty() {
                "none".into()
            } else {
                t.constraints.iter().map(|c| c.to_string()).collect::<Vec<_>>().join(", ")
            },
        ],
    ];
    doc.table("prov", &["", ""], &prov);
    doc.heading("Recommendation");
    match t.best {
        Some(b) => {
            let c = &t.candidates[b];
            let params: Vec<String> = c.params.iter().map(|(k, v)| format!("{k} = {v}")).collect();
            let tied = t.candidates.iter().filter(|c| c.tied_with_best).count() - 1;
            doc.para(&format!(
                "Candidate #{b} ({}): {} {} with 95% CI {}. {tied} other candidate(s) are statistically tied with it \
                 (Bonferroni multiple comparisons with the best). Its settings are in best-policy.toml.",
                params.join(", "),
                t.objective.kpi,
                num(c.objective.mean),
                ci_text(&c.objective)
            ));
        }
        None => doc.para("No candidate meets the constraints."),
    }
    let [pa, pb] = &t.pareto;
    doc.heading("Pareto front");
    let points: Vec<(f64, f64)> = t.candidates.iter().map(|c| c.pareto_kpis).collect();
    let feasible: Vec<bool> = t.candidates.iter().map(|c| c.feasible).collect();
    let front: Vec<usize> = (0..t.candidates.len()).filter(|&i| t.candidates[i].pareto).collect();
    // Constraints on either axis, drawn where they cut.
    let bounds: Vec<(usize, f64, String)> = t
        .constraints
        .iter()
        .flat_map(|c| {
            [(0, &pa.kpi), (1, &pb.kpi)]
                .into_iter()
                .filter(|(_, k)| **k == c.kpi)
                .map(|(axis, _)| (axis, c.bound, c.to_string()))
        })
        .collect();
    doc.figure(
        "every candidate by number (hollow: infeasible), the Pareto front in red, the recommended one ringed, \
         constraints on either axis dashed",
        chart::pareto_svg(
            &format!("{pa} against {pb}"),
            (&pa.kpi, &pb.kpi),
            &points,
            &feasible,
            &front,
            t.best,
            &bounds,
        ),
    );
    doc.heading("Candidates");
    let names: Vec<&String> = t.candidates.first().map(|c| c.params.keys().collect()).unwrap_or_default();
    let mut header: Vec<&str> = vec!["#"];
    header.extend(names.iter().map(|n| n.as_str()));
    let (mean_h, a_h, b_h) = (format!("{} mean", t.objective.kpi), pa.kpi.clone(), pb.kpi.clone());
    header.extend([mean_h.as_str(), "95% CI", a_h.as_str(), b_h.as_str()]);
    // The constrained KPIs not shown already, and why a candidate is infeasible (a tune.json
    // written before these were kept has neither).
    let recorded = t.candidates.iter().any(|c| !c.constrained_kpis.is_empty() || c.why_infeasible.is_some());
    let extra: Vec<&str> = if recorded {
        crate::tune::constrained_kpis(&t.constraints)
            .into_iter()
            .filter(|k| *k != t.objective.kpi && *k != pa.kpi && *k != pb.kpi)
            .collect()
    } else {
        Vec::new()
    };
    header.extend(extra.iter().copied());
    header.extend(["feasible", "tied", "pareto"]);
    if recorded {
        header.push("why infeasible");
    }
    let rows: Vec<Vec<String>> = t
        .candidates
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let mut row = vec![if Some(i) == t.best { format!("{i} (best)") } else { i.to_string() }];
            row.extend(c.params.values().map(|v| num(*v)));
            row.extend([num(c.objective.mean), ci_text(&c.objective), num(c.pareto_kpis.0), num(c.pareto_kpis.1)]);
            row.extend(extra.iter().map(|k| c.constrained_kpis.get(*k).map_or("-".into(), |v| num(*v))));
            row.extend([yes(c.feasible), yes(c.tied_with_best), yes(c.pareto)]);
            if recorded {
                row.push(c.why_infeasible.clone().unwrap_or_default());
            }
            row
        })
        .collect();
    doc.table("kpis", &header, &rows);
    doc.finish()
}

fn yes(b: bool) -> String {
    if b { "yes".into() } else { String::new() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kpis_are_listed_headline_first_then_by_group() {
        let mut order: Vec<&str> = vec!["breakdowns", "cost_fleet", "on_time_rate", "zzz_unknown", "orders_created"];
        order.sort_by_key(|k| report_order(k));
        assert_eq!(order, ["on_time_rate", "orders_created", "cost_fleet", "breakdowns", "zzz_unknown"]);
    }

    #[test]
    fn tables_and_text_are_escaped_and_mirrored_in_markdown() {
        let mut doc = Doc::new("a <b> & c");
        doc.table("t", &["k", "v"], &[vec!["x|y".into(), "<1>".into()]]);
        doc.figure("chart", "<?xml version=\"1.0\"?>\n<svg></svg>".into());
        let r = doc.finish();
        assert!(r.html.contains("<h1>a &lt;b&gt; &amp; c</h1>"));
        assert!(r.html.contains("<td>&lt;1&gt;</td>") && r.html.contains("<figure><svg></svg>"));
        assert!(!r.html.contains("<?xml"), "an XML declaration is not allowed inside HTML");
        assert!(r.markdown.contains("| x\\|y | <1> |"));
        assert!(r.html.ends_with("</body></html>\n"));
    }
}
