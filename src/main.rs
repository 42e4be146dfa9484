// glibc's allocator grows each thread's arena with one mprotect call per
// page run: tens of thousands of system calls on a repository-sized run.
// mimalloc avoids them and is faster at the small allocations trees make.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(spof::cli::main());
}
