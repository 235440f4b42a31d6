use clap::Parser;

fn main() {
    let cli = aen::cli::Cli::parse();
    if let Err(e) = aen::cli::run(cli) {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}
