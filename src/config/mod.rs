//! config stage.
