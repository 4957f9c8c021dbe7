#![doc = include_str!("../README.md")]

mod chart;
pub mod compare;
mod files;
pub mod gate;
pub mod report;
pub mod saved;
mod schema;
mod staged;
mod stats;
mod table;
pub mod tune;

pub use chart::{box_plots_svg, heatmap_svg, matrix_svg, pareto_svg, timeline_svg};
pub use files::{
    COMPARE_FILES, RUN_FILES, STRESS_FILES, TUNE_FILES, cell, is_result_file, matrix_files, report_files, run_files,
    tune_files, write_matrix, write_run,
};
pub use schema::{Column, Matrix, Precision, Ranking, ReplicationRow, ScenarioInfo, Summary};
pub use staged::{Staged, WriteError, write_atomic, write_together};
pub use stats::{
    PairedDiff, Series, Stat, Timeline, UnderWay, nullable, nullable_pair, nullable_rows, percentile, t_975,
};
pub(crate) use table::{ci_text, matrix_cell, num};
pub use table::{render_matrix_table, render_ranking, render_table, render_tune};
