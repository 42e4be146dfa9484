fn main() {
    std::process::exit(spof::cli::main());
}
