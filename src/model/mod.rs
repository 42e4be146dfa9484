//! model stage.
