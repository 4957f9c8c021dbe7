//! Unit tests of the drivers domain, on worlds built from small scenarios.
