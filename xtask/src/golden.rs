use anyhow::{Context, Result, bail};
use clap::Args;
use proteus::experiments::golden::{FileDiff, diff_bundles, golden_specs};
use std::fs;

#[derive(Args)]
#[command(group = clap::ArgGroup::new("mode").required(true))]
pub struct Golden {
    /// Regenerate every golden bundle in a temporary folder and compare with golden/.
    #[arg(long, group = "mode")]
    check: bool,
    /// Rewrite golden/ from the current code (say in the commit why the new numbers are right).
    #[arg(long, group = "mode")]
    bless: bool,
}

impl Golden {
    pub fn run(&self) -> Result<()> {
        let golden_dir = crate::project_root().join("golden");
        // Beside golden/ (not in the system's temporary folder, which may be another file system),
        // so --bless publishes each fresh bundle by a rename that cannot fail across devices.
        let scratch = crate::project_root().join(format!(".golden-scratch-{}", std::process::id()));
        let _ = fs::remove_dir_all(&scratch);
        fs::create_dir_all(&scratch).with_context(|| format!("creating {}", scratch.display()))?;
        let result = self.run_in(&golden_dir, &scratch);
        let _ = fs::remove_dir_all(&scratch);
        result
    }

    fn run_in(&self, golden_dir: &std::path::Path, scratch: &std::path::Path) -> Result<()> {
        let mut changed = 0;
        for spec in golden_specs() {
            let fresh = scratch.join(spec.name);
            (spec.make)(&fresh)
                .with_context(|| format!("generating golden bundle {}", spec.name))?;
            let target = golden_dir.join(spec.name);
            if self.bless {
                // The old bundle is moved aside first and removed only once the new one is in
                // place: a failed rename leaves golden/ as it was.
                fs::create_dir_all(golden_dir)?;
                let old = scratch.join(format!("{}.old", spec.name));
                if target.exists() {
                    fs::rename(&target, &old)
                        .with_context(|| format!("moving {} aside", target.display()))?;
                }
                if let Err(e) = fs::rename(&fresh, &target) {
                    let _ = fs::rename(&old, &target);
                    return Err(e).with_context(|| format!("writing {}", target.display()));
                }
                let _ = fs::remove_dir_all(&old);
                println!("blessed golden/{} ({})", spec.name, spec.describe);
                continue;
            }
            let diffs = diff_bundles(&target, &fresh)
                .with_context(|| format!("comparing golden/{}", spec.name))?;
            if diffs.is_empty() {
                println!("golden/{}: identical", spec.name);
                continue;
            }
            changed += 1;
            println!("golden/{}: CHANGED ({})", spec.name, spec.describe);
            for (file, diff) in diffs {
                match diff {
                    FileDiff::Missing => println!("  {file}: no longer produced"),
                    FileDiff::Unexpected => println!("  {file}: new file, not in golden/"),
                    FileDiff::Changed(lines) => {
                        println!("  {file}:");
                        for l in lines {
                            println!("    {l}");
                        }
                    }
                }
            }
        }
        if changed > 0 {
            bail!(
                "{changed} golden bundle(s) differ. If the change is intended, re-bless with \
                 `cargo xtask golden --bless` and say in the commit why the new numbers are right"
            );
        }
        Ok(())
    }
}
