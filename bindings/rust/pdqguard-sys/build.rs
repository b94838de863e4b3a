//! Links libpdqguard: from PDQGUARD_LIB_DIR when set, else through the `pkg-config`
//! program (`pkg-config --libs pdqguard`). No crates: Debian's cargo builds offline.
use std::env;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=PDQGUARD_LIB_DIR");
    println!("cargo:rerun-if-env-changed=PKG_CONFIG_PATH");
    if let Ok(dir) = env::var("PDQGUARD_LIB_DIR") {
        println!("cargo:rustc-link-search=native={}", dir);
        println!("cargo:rustc-link-lib=dylib=pdqguard");
        return;
    }
    let out = Command::new("pkg-config")
        .args(["--libs", "pdqguard"])
        .output()
        .expect("pdqguard-sys: cannot run pkg-config (install it, or set PDQGUARD_LIB_DIR)");
    if !out.status.success() {
        panic!(
            "pdqguard-sys: `pkg-config --libs pdqguard` failed (set PKG_CONFIG_PATH to the \
             directory of pdqguard.pc, or PDQGUARD_LIB_DIR): {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    for flag in String::from_utf8_lossy(&out.stdout).split_whitespace() {
        if let Some(dir) = flag.strip_prefix("-L") {
            println!("cargo:rustc-link-search=native={}", dir);
        } else if let Some(lib) = flag.strip_prefix("-l") {
            println!("cargo:rustc-link-lib={}", lib);
        }
    }
}
