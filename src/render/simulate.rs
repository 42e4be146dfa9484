//! `spof simulate`: what goes down when domains fail, in human, JSON and
//! Markdown.

use super::{location_text, one_line};
use crate::audit::{Audit, Simulation, Step};
use crate::estate::Estate;
use crate::source::SourceMap;
use std::io::Write;

/// Version of the JSON output's contract.
pub const JSON_VERSION: u32 = 1;

pub struct View<'a> {
    pub audit: &'a Audit,
    pub estate: &'a Estate,
    pub sources: &'a SourceMap,
    pub simulation: &'a Simulation,
}

impl View<'_> {
    fn id(&self, e: usize) -> &str {
        &self.estate.model.entities[e].id
    }

    fn role(&self, e: usize) -> &'static str {
        self.estate.model.entities[e].role.as_str()
    }

    fn failed(&self) -> Vec<String> {
        self.simulation
            .failed
            .iter()
            .map(|&d| self.audit.domain_name(d))
            .collect()
    }

    fn step_json(&self, step: &Step) -> serde_json::Value {
        #[derive(serde::Serialize)]
        struct Hop<'a> {
            entity: &'a str,
            reason: &'a str,
            location: Option<String>,
        }
        serde_json::to_value(Hop {
            entity: self.id(step.entity),
            reason: &step.text,
            location: step.span.map(|s| location_text(self.sources, s)),
        })
        .unwrap_or(serde_json::Value::Null)
    }

    fn entries<'s>(
        &self,
        list: impl Iterator<Item = (usize, &'s [Step])>,
    ) -> Vec<serde_json::Value> {
        #[derive(serde::Serialize)]
        struct Entry<'a> {
            entity: &'a str,
            role: &'static str,
            because: Vec<serde_json::Value>,
        }
        list.map(|(e, because)| {
            serde_json::to_value(Entry {
                entity: self.id(e),
                role: self.role(e),
                because: because.iter().map(|s| self.step_json(s)).collect(),
            })
            .unwrap_or(serde_json::Value::Null)
        })
        .collect()
    }
}

pub fn json(view: &View, w: &mut dyn Write) -> std::io::Result<()> {
    let sim = view.simulation;
    #[derive(serde::Serialize)]
    struct Out<'a> {
        version: u32,
        failed: Vec<String>,
        down: Vec<serde_json::Value>,
        degraded: Vec<serde_json::Value>,
        survives: Vec<&'a str>,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        unrecoverable: Vec<serde_json::Value>,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        unreported: Vec<serde_json::Value>,
    }
    let value = Out {
        version: JSON_VERSION,
        failed: view.failed(),
        down: view.entries(sim.down.iter().map(|d| (d.entity, d.because.as_slice()))),
        degraded: view.entries(
            sim.degraded
                .iter()
                .map(|d| (d.entity, d.because.as_slice())),
        ),
        survives: sim.survives.iter().map(|&e| view.id(e)).collect(),
        unrecoverable: view.entries(
            sim.unrecoverable
                .iter()
                .map(|u| (u.entity, u.because.as_slice())),
        ),
        unreported: view.entries(
            sim.unreported
                .iter()
                .map(|u| (u.entity, u.because.as_slice())),
        ),
    };
    serde_json::to_writer_pretty(&mut *w, &value)?;
    writeln!(w)
}

pub fn human(view: &View, w: &mut dyn Write) -> std::io::Result<()> {
    let sim = view.simulation;
    writeln!(w, "failing {}", one_line(&view.failed().join(", ")))?;
    let section = |w: &mut dyn Write,
                   title: &str,
                   list: &mut dyn Iterator<Item = (usize, &[Step])>|
     -> std::io::Result<()> {
        let list: Vec<_> = list.collect();
        writeln!(w)?;
        writeln!(w, "{title} ({})", list.len())?;
        for (e, because) in list {
            writeln!(w, "  {:<9} {}", view.role(e), one_line(view.id(e)))?;
            for step in because {
                let at = step
                    .span
                    .map(|s| format!("{}: ", location_text(view.sources, s)))
                    .unwrap_or_default();
                writeln!(w, "      {at}{}", one_line(&step.text))?;
            }
        }
        Ok(())
    };
    section(
        w,
        "down",
        &mut sim.down.iter().map(|d| (d.entity, d.because.as_slice())),
    )?;
    section(
        w,
        "degraded",
        &mut sim
            .degraded
            .iter()
            .map(|d| (d.entity, d.because.as_slice())),
    )?;
    writeln!(w)?;
    writeln!(w, "survives ({})", sim.survives.len())?;
    for &e in &sim.survives {
        writeln!(w, "  {:<9} {}", view.role(e), one_line(view.id(e)))?;
    }
    if !sim.unrecoverable.is_empty() {
        section(
            w,
            "running, but cannot be restarted",
            &mut sim
                .unrecoverable
                .iter()
                .map(|u| (u.entity, u.because.as_slice())),
        )?;
    }
    if !sim.unreported.is_empty() {
        section(
            w,
            "alerts and backups out of reach",
            &mut sim
                .unreported
                .iter()
                .map(|u| (u.entity, u.because.as_slice())),
        )?;
    }
    Ok(())
}

/// Markdown table cell: one line, `|` and HTML escaped.
pub fn md_cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in one_line(text).chars() {
        match c {
            '|' => out.push_str("\\|"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            c => out.push(c),
        }
    }
    out
}

pub fn markdown(view: &View, w: &mut dyn Write) -> std::io::Result<()> {
    let sim = view.simulation;
    writeln!(w, "## If {} fails", md_cell(&view.failed().join(" and ")))?;
    writeln!(w)?;
    write!(
        w,
        "{} down, {} degraded, {} survive",
        sim.down.len(),
        sim.degraded.len(),
        sim.survives.len()
    )?;
    match sim.unrecoverable.len() {
        0 => writeln!(w, ".")?,
        n => writeln!(w, "; {n} of those still running cannot be restarted.")?,
    }
    let table = |w: &mut dyn Write,
                 title: &str,
                 list: &mut dyn Iterator<Item = (usize, &[Step])>|
     -> std::io::Result<()> {
        let list: Vec<_> = list.collect();
        if list.is_empty() {
            return Ok(());
        }
        writeln!(w)?;
        writeln!(w, "### {title}")?;
        writeln!(w)?;
        writeln!(w, "| Entity | Role | Why |")?;
        writeln!(w, "| --- | --- | --- |")?;
        for (e, because) in list {
            // Hops of a chain are arrows; reasons of one entity (each of
            // its copies) are a list.
            let mut why = String::new();
            for (i, s) in because.iter().enumerate() {
                if i > 0 {
                    let same = because[i - 1].entity == s.entity;
                    why.push_str(if same { "; " } else { " → " });
                }
                why.push_str(&md_cell(&s.text));
                if let Some(span) = s.span {
                    why.push_str(&format!(
                        " (`{}`)",
                        md_cell(&location_text(view.sources, span))
                    ));
                }
            }
            writeln!(
                w,
                "| `{}` | {} | {} |",
                md_cell(view.id(e)),
                view.role(e),
                why
            )?;
        }
        Ok(())
    };
    table(
        w,
        "Down",
        &mut sim.down.iter().map(|d| (d.entity, d.because.as_slice())),
    )?;
    table(
        w,
        "Degraded",
        &mut sim
            .degraded
            .iter()
            .map(|d| (d.entity, d.because.as_slice())),
    )?;
    table(
        w,
        "Running, but cannot be restarted",
        &mut sim
            .unrecoverable
            .iter()
            .map(|u| (u.entity, u.because.as_slice())),
    )?;
    table(
        w,
        "Alerts and backups out of reach",
        &mut sim
            .unreported
            .iter()
            .map(|u| (u.entity, u.because.as_slice())),
    )?;
    Ok(())
}
