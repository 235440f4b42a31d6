//! The `aen` binary: parses arguments and hands them to a client.

use clap::Parser;

fn main() {
    let cli = aen::cli::Cli::parse();
    std::process::exit(aen::cli::main(cli));
}
