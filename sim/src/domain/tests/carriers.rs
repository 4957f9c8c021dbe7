//! Unit tests of the carriers domain, on worlds built from small scenarios.
