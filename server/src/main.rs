//! Binary shim over the `siyu-server` library; it has nothing to serve yet.

fn main() {
    println!("siyu-server: the storage endpoint arrives with its issue");
}
