//! The examples of Terraform's documentation of each function, as the
//! oracle: every function spof implements has some here, and gives what
//! the documentation shows. Where the documentation shows a set, the
//! example sorts it (a set's order is Terraform's hash order); where it
//! shows a sensitive value, spof, which keeps no marks, gives the value
//! itself.

use super::documented::{err, ok};
use super::{Status, catalog};
use crate::frontends::terraform::Value as TfValue;
use crate::frontends::terraform::hcl::{WorkBudget, evaluate_expression};
use crate::parse::yaml::Limits;

/// `(function, expression, what the documentation shows)`.
const EXAMPLES: &[(&str, &str, &str)] = &[
    ("abs", "abs(23)", "23"),
    ("abs", "abs(0)", "0"),
    ("abs", "abs(-12.4)", "12.4"),
    ("ceil", "ceil(5)", "5"),
    ("ceil", "ceil(5.1)", "6"),
    ("floor", "floor(5)", "5"),
    ("floor", "floor(4.9)", "4"),
    ("log", "log(16, 2)", "4"),
    ("log", "log(50, 10)", "1.6989700043360185"),
    ("max", "max(12, 54, 3)", "54"),
    ("max", "max([12, 54, 3]...)", "54"),
    ("min", "min(12, 54, 3)", "3"),
    ("min", "min([12, 54, 3]...)", "3"),
    ("parseint", r#"parseint("100", 10)"#, "100"),
    ("parseint", r#"parseint("FF", 16)"#, "255"),
    ("parseint", r#"parseint("-10", 16)"#, "-16"),
    ("parseint", r#"parseint("1011111011101111", 2)"#, "48879"),
    ("parseint", r#"parseint("aA", 62)"#, "656"),
    ("pow", "pow(3, 2)", "9"),
    ("pow", "pow(4, 0)", "1"),
    ("signum", "signum(-13)", "-1"),
    ("signum", "signum(0)", "0"),
    ("signum", "signum(344)", "1"),
    ("chomp", r#"chomp("hello\n")"#, r#""hello""#),
    ("chomp", r#"chomp("hello\r\n")"#, r#""hello""#),
    ("chomp", r#"chomp("hello\n\n")"#, r#""hello""#),
    ("endswith", r#"endswith("hello world", "world")"#, "true"),
    ("endswith", r#"endswith("hello world", "hello")"#, "false"),
    (
        "format",
        r#"format("Hello, %s!", "Ander")"#,
        r#""Hello, Ander!""#,
    ),
    (
        "format",
        r#"format("There are %d lights", 4)"#,
        r#""There are 4 lights""#,
    ),
    (
        "formatlist",
        r#"formatlist("Hello, %s!", ["Valentina", "Ander", "Olivia", "Sam"])"#,
        r#"["Hello, Valentina!", "Hello, Ander!", "Hello, Olivia!", "Hello, Sam!"]"#,
    ),
    (
        "formatlist",
        r#"formatlist("%s, %s!", "Salutations", ["Valentina", "Ander", "Olivia", "Sam"])"#,
        r#"["Salutations, Valentina!", "Salutations, Ander!", "Salutations, Olivia!", "Salutations, Sam!"]"#,
    ),
    (
        "indent",
        r#""  items: ${indent(2, "[\n  foo,\n  bar,\n]\n")}""#,
        r#""  items: [\n    foo,\n    bar,\n  ]\n  ""#,
    ),
    (
        "join",
        r#"join("-", ["foo", "bar", "baz"])"#,
        r#""foo-bar-baz""#,
    ),
    (
        "join",
        r#"join(", ", ["foo", "bar", "baz"])"#,
        r#""foo, bar, baz""#,
    ),
    ("join", r#"join(", ", ["foo"])"#, r#""foo""#),
    ("lower", r#"lower("HELLO")"#, r#""hello""#),
    ("lower", r#"lower("АЛЛО!")"#, r#""алло!""#),
    (
        "regex",
        r#"regex("[a-z]+", "53453453.345345aaabbbccc23454")"#,
        r#""aaabbbccc""#,
    ),
    (
        "regex",
        r#"regex("(\\d\\d\\d\\d)-(\\d\\d)-(\\d\\d)", "2019-02-01")"#,
        r#"["2019", "02", "01"]"#,
    ),
    (
        "regex",
        r#"regex("^(?:(?P<scheme>[^:/?#]+):)?(?://(?P<authority>[^/?#]*))?", "https://terraform.io/docs/")"#,
        r#"{authority = "terraform.io", scheme = "https"}"#,
    ),
    (
        "regexall",
        r#"regexall("[a-z]+", "1234abcd5678efgh9")"#,
        r#"["abcd", "efgh"]"#,
    ),
    (
        "regexall",
        r#"length(regexall("[a-z]+", "1234abcd5678efgh9"))"#,
        "2",
    ),
    (
        "regexall",
        r#"length(regexall("[a-z]+", "123456789")) > 0"#,
        "false",
    ),
    (
        "replace",
        r#"replace("1 + 2 + 3", "+", "-")"#,
        r#""1 - 2 - 3""#,
    ),
    (
        "split",
        r#"split(",", "foo,bar,baz")"#,
        r#"["foo", "bar", "baz"]"#,
    ),
    ("split", r#"split(",", "foo")"#, r#"["foo"]"#),
    ("split", r#"split(",", "")"#, r#"[""]"#),
    (
        "startswith",
        r#"startswith("hello world", "hello")"#,
        "true",
    ),
    (
        "startswith",
        r#"startswith("hello world", "world")"#,
        "false",
    ),
    (
        "strcontains",
        r#"strcontains("hello world", "wor")"#,
        "true",
    ),
    (
        "strcontains",
        r#"strcontains("hello world", "wod")"#,
        "false",
    ),
    ("strrev", r#"strrev("hello")"#, r#""olleh""#),
    ("strrev", r#"strrev("a ☃")"#, r#""☃ a""#),
    ("substr", r#"substr("hello world", 1, 4)"#, r#""ello""#),
    ("substr", r#"substr("🤔🤷", 0, 1)"#, r#""🤔""#),
    ("substr", r#"substr("hello world", -5, -1)"#, r#""world""#),
    ("substr", r#"substr("hello world", 6, 10)"#, r#""world""#),
    ("title", r#"title("hello world")"#, r#""Hello World""#),
    ("trim", r#"trim("?!hello?!", "!?")"#, r#""hello""#),
    ("trim", r#"trim("foobar", "far")"#, r#""oob""#),
    (
        "trim",
        r#"trim("   hello! world.!  ", "! ")"#,
        r#""hello! world.""#,
    ),
    (
        "trimprefix",
        r#"trimprefix("helloworld", "hello")"#,
        r#""world""#,
    ),
    (
        "trimprefix",
        r#"trimprefix("helloworld", "cat")"#,
        r#""helloworld""#,
    ),
    (
        "trimsuffix",
        r#"trimsuffix("helloworld", "world")"#,
        r#""hello""#,
    ),
    ("trimspace", r#"trimspace("  hello\n\n")"#, r#""hello""#),
    ("upper", r#"upper("hello")"#, r#""HELLO""#),
    ("upper", r#"upper("алло!")"#, r#""АЛЛО!""#),
    ("alltrue", r#"alltrue(["true", true])"#, "true"),
    ("alltrue", "alltrue([true, false])", "false"),
    ("anytrue", r#"anytrue(["true"])"#, "true"),
    ("anytrue", "anytrue([true, false])", "true"),
    ("anytrue", "anytrue([])", "false"),
    (
        "chunklist",
        r#"chunklist(["a", "b", "c", "d", "e"], 2)"#,
        r#"[["a", "b"], ["c", "d"], ["e"]]"#,
    ),
    (
        "chunklist",
        r#"chunklist(["a", "b", "c", "d", "e"], 1)"#,
        r#"[["a"], ["b"], ["c"], ["d"], ["e"]]"#,
    ),
    ("coalesce", r#"coalesce("a", "b")"#, r#""a""#),
    ("coalesce", r#"coalesce("", "b")"#, r#""b""#),
    ("coalesce", "coalesce(1, 2)", "1"),
    ("coalesce", r#"coalesce(["", "b"]...)"#, r#""b""#),
    (
        "coalescelist",
        r#"coalescelist(["a", "b"], ["c", "d"])"#,
        r#"["a", "b"]"#,
    ),
    (
        "coalescelist",
        r#"coalescelist([], ["c", "d"])"#,
        r#"["c", "d"]"#,
    ),
    (
        "coalescelist",
        r#"coalescelist([[], ["c", "d"]]...)"#,
        r#"["c", "d"]"#,
    ),
    (
        "compact",
        r#"compact(["a", "", "b", "c"])"#,
        r#"["a", "b", "c"]"#,
    ),
    (
        "concat",
        r#"concat(["a", ""], ["b", "c"])"#,
        r#"["a", "", "b", "c"]"#,
    ),
    ("contains", r#"contains(["a", "b", "c"], "a")"#, "true"),
    ("contains", r#"contains(["a", "b", "c"], "d")"#, "false"),
    (
        "distinct",
        r#"distinct(["a", "b", "a", "c", "d", "b"])"#,
        r#"["a", "b", "c", "d"]"#,
    ),
    ("element", r#"element(["a", "b", "c"], 1)"#, r#""b""#),
    ("element", r#"element(["a", "b", "c"], 3)"#, r#""a""#),
    (
        "element",
        r#"element(["a", "b", "c"], length(["a", "b", "c"]) - 1)"#,
        r#""c""#,
    ),
    (
        "flatten",
        r#"flatten([["a", "b"], [], ["c"]])"#,
        r#"["a", "b", "c"]"#,
    ),
    (
        "flatten",
        r#"flatten([[["a", "b"], []], ["c"]])"#,
        r#"["a", "b", "c"]"#,
    ),
    ("index", r#"index(["a", "b", "c"], "b")"#, "1"),
    ("keys", "keys({a = 1, c = 2, d = 3})", r#"["a", "c", "d"]"#),
    ("length", "length([])", "0"),
    ("length", r#"length(["a", "b"])"#, "2"),
    ("length", r#"length({"a" = "b"})"#, "1"),
    ("length", r#"length("hello")"#, "5"),
    (
        "lookup",
        r#"lookup({a = "ay", b = "bee"}, "a", "what?")"#,
        r#""ay""#,
    ),
    (
        "lookup",
        r#"lookup({a = "ay", b = "bee"}, "c", "what?")"#,
        r#""what?""#,
    ),
    (
        "matchkeys",
        r#"matchkeys(["i-123", "i-abc", "i-def"], ["us-west", "us-east", "us-east"], ["us-east"])"#,
        r#"["i-abc", "i-def"]"#,
    ),
    (
        "merge",
        r#"merge({a = "b", c = "d"}, {e = "f", c = "z"})"#,
        r#"{a = "b", c = "z", e = "f"}"#,
    ),
    (
        "merge",
        r#"merge({a = "b"}, {a = [1, 2], c = "z"}, {d = 3})"#,
        r#"{a = [1, 2], c = "z", d = 3}"#,
    ),
    ("one", "one([])", "null"),
    ("one", r#"one(["hello"])"#, r#""hello""#),
    ("range", "range(3)", "[0, 1, 2]"),
    ("range", "range(1, 4)", "[1, 2, 3]"),
    ("range", "range(1, 8, 2)", "[1, 3, 5, 7]"),
    ("range", "range(1, 4, 0.5)", "[1, 1.5, 2, 2.5, 3, 3.5]"),
    ("range", "range(4, 1)", "[4, 3, 2]"),
    ("range", "range(10, 5, -2)", "[10, 8, 6]"),
    ("reverse", "reverse([1, 2, 3])", "[3, 2, 1]"),
    (
        "setintersection",
        r#"setintersection(["a", "b"], ["b", "c"], ["b", "d"])"#,
        r#"["b"]"#,
    ),
    (
        "setproduct",
        r#"setproduct(["development", "staging", "production"], ["app1", "app2"])"#,
        r#"[["development", "app1"], ["development", "app2"], ["staging", "app1"], ["staging", "app2"], ["production", "app1"], ["production", "app2"]]"#,
    ),
    (
        "setproduct",
        r#"setproduct(["staging", "production"], ["a", "b", "c"])"#,
        r#"[["staging", "a"], ["staging", "b"], ["staging", "c"], ["production", "a"], ["production", "b"], ["production", "c"]]"#,
    ),
    (
        "setsubtract",
        r#"setsubtract(["a", "b", "c"], ["a", "c"])"#,
        r#"["b"]"#,
    ),
    (
        "setunion",
        r#"sort(setunion(["a", "b"], ["b", "c"], ["d"]))"#,
        r#"["a", "b", "c", "d"]"#,
    ),
    (
        "slice",
        r#"slice(["a", "b", "c", "d"], 1, 3)"#,
        r#"["b", "c"]"#,
    ),
    (
        "sort",
        r#"sort(["e", "d", "a", "x"])"#,
        r#"["a", "d", "e", "x"]"#,
    ),
    ("sum", "sum([10, 13, 6, 4.5])", "33.5"),
    (
        "transpose",
        r#"transpose({"a" = ["1", "2"], "b" = ["2", "3"]})"#,
        r#"{"1" = ["a"], "2" = ["a", "b"], "3" = ["b"]}"#,
    ),
    ("values", "values({a = 3, c = 2, d = 1})", "[3, 2, 1]"),
    ("zipmap", r#"zipmap(["a", "b"], [1, 2])"#, "{a = 1, b = 2}"),
    (
        "base64decode",
        r#"base64decode("SGVsbG8gV29ybGQ=")"#,
        r#""Hello World""#,
    ),
    (
        "base64encode",
        r#"base64encode("Hello World")"#,
        r#""SGVsbG8gV29ybGQ=""#,
    ),
    // Date and time
    (
        "formatdate",
        r#"formatdate("DD MMM YYYY hh:mm ZZZ", "2018-01-02T23:12:01Z")"#,
        r#""02 Jan 2018 23:12 UTC""#,
    ),
    (
        "formatdate",
        r#"formatdate("EEEE, DD-MMM-YY hh:mm:ss ZZZ", "2018-01-02T23:12:01Z")"#,
        r#""Tuesday, 02-Jan-18 23:12:01 UTC""#,
    ),
    (
        "formatdate",
        r#"formatdate("EEE, DD MMM YYYY hh:mm:ss ZZZ", "2018-01-02T23:12:01-08:00")"#,
        r#""Tue, 02 Jan 2018 23:12:01 -0800""#,
    ),
    (
        "formatdate",
        r#"formatdate("MMM DD, YYYY", "2018-01-02T23:12:01Z")"#,
        r#""Jan 02, 2018""#,
    ),
    (
        "formatdate",
        r#"formatdate("HH:mmaa", "2018-01-02T23:12:01Z")"#,
        r#""11:12pm""#,
    ),
    (
        "timeadd",
        r#"timeadd("2017-11-22T00:00:00Z", "10m")"#,
        r#""2017-11-22T00:10:00Z""#,
    ),
    (
        "timeadd",
        r#"timeadd("2024-08-16T12:45:05Z", "10m")"#,
        r#""2024-08-16T12:55:05Z""#,
    ),
    (
        "timeadd",
        r#"timeadd("2024-08-16T12:45:05Z", "-10m")"#,
        r#""2024-08-16T12:35:05Z""#,
    ),
    (
        "timecmp",
        r#"timecmp("2017-11-22T00:00:00Z", "2017-11-22T00:00:00Z")"#,
        "0",
    ),
    (
        "timecmp",
        r#"timecmp("2017-11-22T00:00:00Z", "2017-11-22T01:00:00Z")"#,
        "-1",
    ),
    (
        "timecmp",
        r#"timecmp("2017-11-22T01:00:00Z", "2017-11-22T00:00:00Z")"#,
        "1",
    ),
    (
        "timecmp",
        r#"timecmp("2017-11-22T01:00:00Z", "2017-11-22T00:00:00-01:00")"#,
        "0",
    ),
    (
        "md5",
        r#"md5("hello world")"#,
        r#""5eb63bbbe01eeed093cb22bb8f5acdc3""#,
    ),
    (
        "sha1",
        r#"sha1("hello world")"#,
        r#""2aae6c35c94fcfb415dbe95f408b9ce91ee846ed""#,
    ),
    (
        "sha256",
        r#"sha256("hello world")"#,
        r#""b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9""#,
    ),
    (
        "sha512",
        r#"sha512("hello world")"#,
        r#""309ecc489c12d6eb4cc40f50c902f2b4d0ed77ee511a7c7a9bcd3ca86d4cd86f989dd35bc5ff499670da34255b45b0cfd830e81f605dcf7dc5542e93ae9cd76f""#,
    ),
    (
        "base64sha256",
        r#"base64sha256("hello world")"#,
        r#""uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=""#,
    ),
    (
        "base64sha512",
        r#"base64sha512("hello world")"#,
        r#""MJ7MSJwS1utMxA9QyQLytNDtd+5RGnx6m808qG1M2G+YndNbxf9JlnDaNCVbRbDP2DDoH2Bdz33FVC6TrpzXbw==""#,
    ),
    (
        "uuidv5",
        r#"uuidv5("dns", "www.terraform.io")"#,
        r#""a5008fae-b28c-5ba5-96cd-82b4c53552d6""#,
    ),
    (
        "uuidv5",
        r#"uuidv5("url", "https://www.terraform.io/")"#,
        r#""9db6f67c-dd95-5ea0-aa5b-e70e5c5f7cf5""#,
    ),
    (
        "uuidv5",
        r#"uuidv5("oid", "1.3.6.1.4")"#,
        r#""af9d40a5-7a36-5c07-b23a-851cd99fbfa5""#,
    ),
    (
        "uuidv5",
        r#"uuidv5("x500", "CN=Example,C=GB")"#,
        r#""84e09961-4aa4-57f8-95b7-03edb1073253""#,
    ),
    (
        "uuidv5",
        r#"uuidv5("6ba7b810-9dad-11d1-80b4-00c04fd430c8", "www.terraform.io")"#,
        r#""a5008fae-b28c-5ba5-96cd-82b4c53552d6""#,
    ),
    (
        "uuidv5",
        r#"uuidv5("743ac3c0-3bf7-4a5b-9e6c-59360447c757", "LIBS:diskfont.library")"#,
        r#""ede1a974-df7e-5f17-84b9-76208818b2c8""#,
    ),
    (
        "csvdecode",
        r#"csvdecode("a,b,c\n1,2,3\n4,5,6")"#,
        r#"[{a = "1", b = "2", c = "3"}, {a = "4", b = "5", c = "6"}]"#,
    ),
    (
        "jsondecode",
        r#"jsondecode("{\"hello\": \"world\"}")"#,
        r#"{hello = "world"}"#,
    ),
    ("jsondecode", r#"jsondecode("true")"#, "true"),
    (
        "jsonencode",
        r#"jsonencode({"hello" = "world"})"#,
        r#""{\"hello\":\"world\"}""#,
    ),
    (
        "urlencode",
        r#"urlencode("Hello World!")"#,
        r#""Hello+World%21""#,
    ),
    ("urlencode", r#"urlencode("☃")"#, r#""%E2%98%83""#),
    (
        "urlencode",
        r#""http://example.com/search?q=${urlencode("terraform urlencode")}""#,
        r#""http://example.com/search?q=terraform+urlencode""#,
    ),
    ("basename", r#"basename("foo/bar/baz.txt")"#, r#""baz.txt""#),
    ("dirname", r#"dirname("foo/bar/baz.txt")"#, r#""foo/bar""#),
    (
        "cidrhost",
        r#"cidrhost("10.12.112.0/20", 16)"#,
        r#""10.12.112.16""#,
    ),
    (
        "cidrhost",
        r#"cidrhost("10.12.112.0/20", 268)"#,
        r#""10.12.113.12""#,
    ),
    (
        "cidrhost",
        r#"cidrhost("fd00:fd12:3456:7890:00a2::/72", 34)"#,
        r#""fd00:fd12:3456:7890::22""#,
    ),
    (
        "cidrnetmask",
        r#"cidrnetmask("172.16.0.0/12")"#,
        r#""255.240.0.0""#,
    ),
    (
        "cidrsubnet",
        r#"cidrsubnet("172.16.0.0/12", 4, 2)"#,
        r#""172.18.0.0/16""#,
    ),
    (
        "cidrsubnet",
        r#"cidrsubnet("10.1.2.0/24", 4, 15)"#,
        r#""10.1.2.240/28""#,
    ),
    (
        "cidrsubnet",
        r#"cidrsubnet("fd00:fd12:3456:7890::/56", 16, 162)"#,
        r#""fd00:fd12:3456:7800:a200::/72""#,
    ),
    (
        "cidrsubnets",
        r#"cidrsubnets("10.1.0.0/16", 4, 4, 8, 4)"#,
        r#"["10.1.0.0/20", "10.1.16.0/20", "10.1.32.0/24", "10.1.48.0/20"]"#,
    ),
    ("tobool", "tobool(true)", "true"),
    ("tobool", r#"tobool("true")"#, "true"),
    ("tobool", "tobool(null)", "null"),
    ("tolist", r#"tolist(["a", "b", "c"])"#, r#"["a", "b", "c"]"#),
    ("tolist", r#"tolist(["a", "b", 3])"#, r#"["a", "b", "3"]"#),
    ("tomap", r#"tomap({"a" = 1, "b" = 2})"#, "{a = 1, b = 2}"),
    (
        "tomap",
        r#"tomap({"a" = "foo", "b" = true})"#,
        r#"{a = "foo", b = "true"}"#,
    ),
    ("tonumber", "tonumber(1)", "1"),
    ("tonumber", r#"tonumber("1")"#, "1"),
    ("tonumber", "tonumber(null)", "null"),
    ("toset", r#"toset(["a", "b", "c"])"#, r#"["a", "b", "c"]"#),
    ("toset", r#"sort(toset(["c", "b", "b"]))"#, r#"["b", "c"]"#),
    ("tostring", r#"tostring("hello")"#, r#""hello""#),
    ("tostring", "tostring(1)", r#""1""#),
    ("tostring", "tostring(true)", r#""true""#),
    ("sensitive", "sensitive(1)", "1"),
    ("sensitive", r#"sensitive("hello")"#, r#""hello""#),
    (
        "nonsensitive",
        r#"nonsensitive(sensitive("hello"))"#,
        r#""hello""#,
    ),
];

/// The documented errors: Terraform refuses these calls.
const ERRORS: &[(&str, &str)] = &[
    ("one", r#"one(["hello", "goodbye"])"#),
    ("parseint", r#"parseint("12", 2)"#),
    ("tobool", r#"tobool("no")"#),
    ("tobool", "tobool(1)"),
    ("tonumber", r#"tonumber("no")"#),
    ("tostring", "tostring([])"),
    ("uuidv5", r#"uuidv5("urn", "www.terraform.io")"#),
    ("uuidv5", r#"uuidv5("6ba7b810-9dad-11d1-80b4", "x")"#),
    ("md5", "md5([])"),
];

/// `try` and `can` take expressions that may fail: the evaluator runs them.
const EVALUATOR_EXAMPLES: &[(&str, &str, &str)] = &[
    ("can", r#"can(regex("^ami-", "ami-abc123"))"#, "true"),
    ("can", r#"can(regex("^ami-", "img-abc123"))"#, "false"),
    ("try", r#"try(tonumber("no"), "fallback")"#, r#""fallback""#),
    ("try", r#"try(tonumber("12"), "fallback")"#, "12"),
];

fn evaluated(src: &str) -> TfValue {
    evaluate_expression(src, &Limits::default(), WorkBudget::default())
}

#[test]
fn documented_examples() {
    for &(_, src, want) in EXAMPLES {
        ok(src, want);
    }
    for &(_, src) in ERRORS {
        err(src);
    }
    for &(_, src, want) in EVALUATOR_EXAMPLES {
        assert_eq!(evaluated(src), evaluated(want), "{src}");
    }
}

#[test]
fn every_implemented_function_has_documented_examples() {
    for (name, status) in catalog() {
        // The file functions read a tree: their documented examples are
        // checked on one, in `hcl::file_tests`.
        let has = EXAMPLES
            .iter()
            .chain(EVALUATOR_EXAMPLES)
            .any(|&(f, _, _)| f == name)
            || crate::frontends::terraform::hcl::FILE_FUNCTIONS.contains(&name);
        match status {
            Status::Implemented => assert!(has, "`{name}` has no documented example"),
            Status::Unknown(_) => assert!(!has, "`{name}` is unknown but has examples"),
        }
    }
}

/// Every built-in function of Terraform's documentation (v1.14), by its
/// categories' pages.
const TERRAFORM: &[&str] = &[
    // Numeric
    "abs",
    "ceil",
    "floor",
    "log",
    "max",
    "min",
    "parseint",
    "pow",
    "signum",
    // String
    "chomp",
    "endswith",
    "format",
    "formatlist",
    "indent",
    "join",
    "lower",
    "regex",
    "regexall",
    "replace",
    "split",
    "startswith",
    "strcontains",
    "strrev",
    "substr",
    "templatestring",
    "title",
    "trim",
    "trimprefix",
    "trimsuffix",
    "trimspace",
    "upper",
    // Collection
    "alltrue",
    "anytrue",
    "chunklist",
    "coalesce",
    "coalescelist",
    "compact",
    "concat",
    "contains",
    "distinct",
    "element",
    "flatten",
    "index",
    "keys",
    "length",
    "list",
    "lookup",
    "map",
    "matchkeys",
    "merge",
    "one",
    "range",
    "reverse",
    "setintersection",
    "setproduct",
    "setsubtract",
    "setunion",
    "slice",
    "sort",
    "sum",
    "transpose",
    "values",
    "zipmap",
    // Encoding
    "base64decode",
    "base64encode",
    "base64gzip",
    "csvdecode",
    "jsondecode",
    "jsonencode",
    "textdecodebase64",
    "textencodebase64",
    "urlencode",
    "yamldecode",
    "yamlencode",
    // Filesystem
    "abspath",
    "dirname",
    "pathexpand",
    "basename",
    "file",
    "fileexists",
    "fileset",
    "filebase64",
    "templatefile",
    // Date and time
    "formatdate",
    "plantimestamp",
    "timeadd",
    "timecmp",
    "timestamp",
    // Hash and crypto
    "base64sha256",
    "base64sha512",
    "bcrypt",
    "filebase64sha256",
    "filebase64sha512",
    "filemd5",
    "filesha1",
    "filesha256",
    "filesha512",
    "md5",
    "rsadecrypt",
    "sha1",
    "sha256",
    "sha512",
    "uuid",
    "uuidv5",
    // IP network
    "cidrhost",
    "cidrnetmask",
    "cidrsubnet",
    "cidrsubnets",
    // Type conversion
    "can",
    "convert",
    "ephemeralasnull",
    "issensitive",
    "nonsensitive",
    "sensitive",
    "tobool",
    "tolist",
    "tomap",
    "tonumber",
    "toset",
    "tostring",
    "try",
    "type",
];

#[test]
fn the_catalog_is_every_terraform_function() {
    let mut want: Vec<&str> = TERRAFORM.to_vec();
    want.sort_unstable();
    let got: Vec<&str> = catalog().into_iter().map(|(name, _)| name).collect();
    assert_eq!(got, want);
}

#[test]
fn an_unknown_function_is_unknown_whatever_its_arguments() {
    for (name, status) in catalog() {
        if let Status::Unknown(_) = status {
            for args in ["", r#""a""#, r#""a", 1"#, "[1], {a = 2}, null"] {
                let src = format!("{name}({args})");
                assert_eq!(evaluated(&src), TfValue::Unknown, "{src}");
            }
        }
    }
}
