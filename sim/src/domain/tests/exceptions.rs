//! Unit tests of the exceptions domain, on worlds built from small scenarios.
