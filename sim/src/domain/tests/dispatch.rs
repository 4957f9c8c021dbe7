//! Unit tests of the dispatch domain, on worlds built from small scenarios.
