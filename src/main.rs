//! The `aen` binary: parses arguments and hands them to a client.

fn main() {
    std::process::exit(aen::run());
}
