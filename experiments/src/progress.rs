//! How far an experiment has got, told to whoever shows it (a progress bar, a log, nothing).

/// Hooks an experiment calls as it goes, all no-ops by default: `&()` reports nothing. A step
/// is a replication (run, stress, compare) or a candidate (tune); steps are reported from any
/// worker thread.
pub trait Progress: Sync {
    /// `steps` more steps are planned (an adaptive run plans more after each round).
    fn planned(&self, _steps: u64) {}
    /// `steps` of those planned were done before this run (a resumed search).
    fn resumed(&self, _steps: u64) {}
    /// The steps that follow are the alternative `name`'s.
    fn working_on(&self, _name: &str) {}
    /// One step is done.
    fn step(&self) {}
    /// No more steps: the experiment is over (called before it returns its result, or the error
    /// that no number of replications can help; not when a replication fails).
    fn finish(&self) {}
}

impl Progress for () {}
