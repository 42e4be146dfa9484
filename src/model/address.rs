//! Terraform resource addresses: part of an entity's identity (a Terraform
//! entity's name is its address), read by every stage that groups the
//! instances of one block.

/// A resource instance address without its instance key
/// (`aws_subnet.a["x.y"]` → `aws_subnet.a`), or `None` when it has none.
pub fn without_key(address: &str) -> Option<&str> {
    if !address.ends_with(']') {
        return None;
    }
    // The last `[` outside a string and outside brackets, after the last
    // `.` outside them: a key may be an expression with its own brackets
    // (`aws_subnet.a[data.aws_availability_zones.z.names[0]]`).
    let (mut in_string, mut escaped, mut depth) = (false, false, 0usize);
    let mut open = None;
    for (i, c) in address.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            _ if in_string => {}
            '[' => {
                if depth == 0 {
                    open = Some(i);
                }
                depth += 1;
            }
            ']' => depth = depth.saturating_sub(1),
            '.' if depth == 0 => open = None,
            _ => {}
        }
    }
    open.map(|i| &address[..i])
}

/// A resource instance address without any instance key, its modules'
/// included (`module.db["eu"].aws_db_instance.this[0]` →
/// `module.db.aws_db_instance.this`): the block every instance comes from.
pub fn block_address(address: &str) -> String {
    let (mut in_string, mut escaped, mut depth) = (false, false, 0usize);
    let mut out = String::with_capacity(address.len());
    for c in address.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' if depth > 0 => in_string = !in_string,
            '[' if !in_string => depth += 1,
            ']' if !in_string => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_come_off_addresses() {
        assert_eq!(without_key("aws_instance.web[0]"), Some("aws_instance.web"));
        assert_eq!(
            without_key("aws_subnet.a[data.aws_availability_zones.z.names[10]]"),
            Some("aws_subnet.a")
        );
        assert_eq!(
            block_address("module.m[data.z.names[1]].aws_subnet.a[data.z.names[0]]"),
            "module.m.aws_subnet.a"
        );
        assert_eq!(
            without_key("module.x[\"a\"].aws_subnet.b[\"c.d]\\\"\"]"),
            Some("module.x[\"a\"].aws_subnet.b")
        );
        assert_eq!(without_key("module.x[0].aws_subnet.b"), None);
        assert_eq!(without_key("aws_instance.web"), None);
        assert_eq!(without_key("]"), None);
        assert_eq!(
            block_address("module.x[\"a\"].aws_subnet.b[\"c.d]\\\"[\"]"),
            "module.x.aws_subnet.b"
        );
        assert_eq!(block_address("module.x[3].y.z[10]"), "module.x.y.z");
        assert_eq!(block_address("aws_instance.web"), "aws_instance.web");
    }
}
