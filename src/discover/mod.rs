//! discover stage.
