//! config stage.

pub const CONFIG_FILE_NAME: &str = "spof.toml";
