//! Unit tests of the orders domain, on worlds built from small scenarios.
