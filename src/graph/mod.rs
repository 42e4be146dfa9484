//! graph stage.
