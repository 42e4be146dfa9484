//! Rules stage: turns the analysis into findings. Which attribute means what
//! lives in the model and the analysis; a rule decides what is worth saying,
//! where, and how.

pub mod accept;
pub mod baseline;
mod cloud;
mod dependencies;
pub mod diff;
mod disruption;
pub mod docs;
mod incident;
mod instances;
mod placement;
mod recovery;
pub mod registry;
mod restart;
pub mod suppression;

use crate::analysis::{Analysis, Context, Unit, words};
use crate::diagnostic::{Diagnostic, Kind, Message, Related, Severity, Text, Words};
use crate::graph::Graph;
use crate::model::Model;
use crate::source::Span;
pub use registry::{Example, Meta, Rule, catalog};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

/// Which rules run and at what severity.
#[derive(Debug, Clone)]
pub struct Settings {
    pub enabled: BTreeSet<Rule>,
    pub severity: BTreeMap<Rule, Severity>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            enabled: Rule::ALL.iter().copied().collect(),
            severity: BTreeMap::new(),
        }
    }
}

impl Settings {
    /// Whether `rule` runs. A rule that does not run is not computed at
    /// all: each family asks before it builds a rule's findings.
    pub fn runs(&self, rule: Rule) -> bool {
        self.enabled.contains(&rule)
    }

    pub fn severity(&self, rule: Rule) -> Severity {
        self.severity
            .get(&rule)
            .copied()
            .unwrap_or(rule.meta().severity)
    }
}

/// Everything a rule may look at.
pub struct Input<'a> {
    pub model: &'a Model,
    pub graph: &'a Graph,
    pub analysis: &'a Analysis,
    pub context: &'a Context,
    pub cluster_names: &'a [String],
    /// The words of chains, as findings cite them.
    pub cited: Cited,
    /// Where each family of rules is marked as it starts
    /// ([`crate::progress::step`]).
    pub progress: Option<&'a crate::progress::Progress>,
}

/// A hop of a chain: the entity, its declaration and dependency, and the
/// target.
type HopKey = (u32, u32, u32, u32);

/// The words of the hops and root causes of dependency chains, each made
/// once and shared by every finding that cites it: in a large estate the
/// same hop and the same root end the chains of thousands of entities.
#[derive(Default)]
pub struct Cited {
    hops: RefCell<HashMap<HopKey, Arc<str>>>,
    /// By the entity and the index of its cause.
    causes: RefCell<HashMap<(u32, u32), Arc<str>>>,
    /// The single failures messages name after their first, by their
    /// index in `words`.
    units: RefCell<HashMap<Unit, u32>>,
    words: Words,
    /// Labels, by their text.
    labels: RefCell<HashSet<Arc<str>>>,
}

impl Cited {
    /// The words of hop `key`, made by `words` the first time.
    fn hop(&self, key: HopKey, words: impl FnOnce() -> String) -> Arc<str> {
        Arc::clone(
            self.hops
                .borrow_mut()
                .entry(key)
                .or_insert_with(|| words().into()),
        )
    }

    /// The index in [`Cited::words`] of the words of `unit`, made by
    /// `words` the first time.
    fn unit(&self, unit: &Unit, words: impl FnOnce() -> String) -> u32 {
        if let Some(&id) = self.units.borrow().get(unit) {
            return id;
        }
        let id = self.words.add(words().into());
        self.units.borrow_mut().insert(unit.clone(), id);
        id
    }

    /// `label`, shared with every finding labelled alike.
    fn label(&self, label: String) -> Text {
        let mut labels = self.labels.borrow_mut();
        if let Some(shared) = labels.get(label.as_str()) {
            return Text::Shared(Arc::clone(shared));
        }
        let shared: Arc<str> = label.into();
        labels.insert(Arc::clone(&shared));
        Text::Shared(shared)
    }

    /// The words of cause `key`, made by `words` the first time.
    fn cause(&self, key: (u32, u32), words: impl FnOnce() -> String) -> Arc<str> {
        Arc::clone(
            self.causes
                .borrow_mut()
                .entry(key)
                .or_insert_with(|| words().into()),
        )
    }
}

impl Cited {
    /// Drops what was kept to share words between findings (the words
    /// themselves stay with the findings that cite them), telling
    /// `progress` of each table as it goes.
    pub fn release(self, progress: Option<&crate::progress::Progress>) {
        let Self {
            hops,
            causes,
            units,
            words,
            labels,
        } = self;
        crate::progress::step(progress, "findings: hop words' table freed");
        drop(hops);
        crate::progress::step(progress, "findings: cause words' table freed");
        drop(causes);
        crate::progress::step(progress, "findings: units' table freed");
        drop((units, words, labels));
    }
}

impl Input<'_> {
    fn entity_label(&self, e: usize) -> String {
        words::entity_label(self.model, e)
    }

    fn cluster_name(&self, cluster: Option<usize>) -> String {
        words::cluster_name(self.cluster_names, cluster)
    }

    fn unit_text(&self, unit: &Unit) -> String {
        words::unit_text(self.model, unit)
    }

    /// `head`, then ` (and with …)` naming each of `further`, then `tail`:
    /// the message of a finding about its entity's first single failure
    /// that names the others. Each further failure's words are made once
    /// for the run and the message keeps their index.
    fn naming_further(&self, head: String, further: &[&Unit], tail: &str) -> Message {
        let at = head.len();
        let mut text = head;
        text.push_str(tail);
        let ids = further
            .iter()
            .map(|u| self.cited.unit(u, || self.unit_text(u)))
            .collect();
        Message::with_further(text, at, &self.cited.words, ids)
    }
}

/// A finding before severity and suppressions are applied.
#[derive(Debug, Clone)]
pub struct Finding {
    pub rule: Rule,
    pub message: Message,
    pub entity: Option<String>,
    pub span: Span,
    pub label: Option<Text>,
    pub related: Vec<Related>,
    pub help: Option<Text>,
    /// Lower than the rule's severity, when what it reports is only as bad
    /// as an info-level cause.
    pub cap: Option<Severity>,
    /// [`Diagnostic::decided_at`].
    pub decided_at: Option<Span>,
    /// The single failures a finding is about when they are not its
    /// entity's (the estate's only region, a cluster's only zone, what
    /// takes a recovery dependency down): what `[[accept]]` entries must
    /// cover to accept it.
    pub units: Vec<Unit>,
}

impl Finding {
    fn new(rule: Rule, span: Span, message: impl Into<Message>) -> Self {
        Self {
            rule,
            message: message.into(),
            entity: None,
            span,
            label: None,
            related: Vec::new(),
            help: None,
            cap: None,
            decided_at: None,
            units: Vec::new(),
        }
    }

    fn entity(mut self, id: &str) -> Self {
        self.entity = Some(id.to_string());
        self
    }

    fn label(mut self, label: impl Into<Text>) -> Self {
        self.label = Some(label.into());
        self
    }

    fn about(mut self, units: impl IntoIterator<Item = Unit>) -> Self {
        self.units.extend(units);
        self
    }

    fn help(mut self, help: impl Into<Text>) -> Self {
        self.help = Some(help.into());
        self
    }

    fn related(mut self, span: Span, message: impl Into<Arc<str>>) -> Self {
        self.related.push(Related {
            span,
            message: message.into(),
        });
        self
    }

    pub fn into_diagnostic(self, settings: &Settings) -> Diagnostic {
        let mut severity = settings.severity(self.rule);
        if let Some(cap) = self.cap {
            severity = severity.min(cap);
        }
        // Kept until the run ends: at their length.
        let mut related = self.related;
        related.shrink_to_fit();
        let mut message = self.message;
        message.shrink_to_fit();
        Diagnostic {
            kind: Kind::Finding,
            code: Text::Static(self.rule.code()),
            name: Text::Static(self.rule.name()),
            severity,
            message,
            entity: self.entity,
            span: self.span,
            label: self.label,
            related,
            help: self.help,
            decided_at: self.decided_at,
        }
    }
}

/// Where the rules put their findings: each handed on as it is made, so
/// that what comes after (severity, suppressions, the diagnostic it
/// becomes) takes it one at a time, never a vector of them all beside the
/// diagnostics.
pub struct Out<'s>(&'s mut dyn FnMut(Finding));

impl Out<'_> {
    pub fn push(&mut self, finding: Finding) {
        (self.0)(finding);
    }
}

/// Runs every enabled rule, and only those.
pub fn run(input: &Input<'_>, settings: &Settings) -> Vec<Finding> {
    let mut findings = Vec::new();
    each(input, settings, &mut |f| findings.push(f));
    findings
}

/// [`run`], handing each finding to `sink` as it is made. Findings about
/// instances of a counted Terraform block are held until every rule has
/// run, and merged ([`instances::collapse`]); the rest go on at once.
pub fn each(input: &Input<'_>, settings: &Settings, sink: &mut dyn FnMut(Finding)) {
    let instances = instances::keyed(input);
    let mut held = Vec::new();
    {
        let mut pass = |finding: Finding| {
            debug_assert!(settings.runs(finding.rule), "a disabled rule was computed");
            if instances::may_collapse(input, &instances, &finding) {
                held.push(finding);
            } else {
                sink(finding);
            }
        };
        let out = &mut Out(&mut pass);
        type Family = fn(&Input<'_>, &Settings, &mut Out<'_>);
        let families: [(&str, Family); 7] = [
            ("rules: placement", placement::check),
            ("rules: dependencies", dependencies::check),
            ("rules: disruption", disruption::check),
            ("rules: cloud", cloud::check),
            ("rules: recovery", recovery::check),
            ("rules: restart", restart::check),
            ("rules: incident", incident::check),
        ];
        for (name, check) in families {
            crate::progress::step(input.progress, name);
            check(input, settings, out);
        }
    }
    for finding in instances::collapse(input, &instances, held) {
        sink(finding);
    }
}
