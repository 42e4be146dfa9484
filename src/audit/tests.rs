use super::*;

#[test]
fn spread_thresholds() {
    // 3 over 2 zones with skew 1: one zone holds 2.
    assert_eq!(most_in(3, 2, 1, 1), 2);
    assert_eq!(most_in(3, 3, 1, 1), 1);
    assert_eq!(most_in(3, 3, 2, 1), 2);
    assert_eq!(most_in(5, 3, 1, 2), 3);
    assert_eq!(most_in(6, 3, 3, 1), 6);
    assert_eq!(most_in(0, 3, 1, 1), 0);
}

#[test]
fn family_algebra() {
    let g = |ids: &[u32]| Group::of(ids).unwrap();
    let a = Family::from_groups(vec![g(&[1]), g(&[2, 3])]);
    let b = Family::from_groups(vec![g(&[2]), g(&[4])]);
    // Either: unions of one cut of each, minimal.
    assert_eq!(
        a.either(&b, 2),
        Family::from_groups(vec![g(&[1, 2]), g(&[1, 4]), g(&[2, 3])])
    );
    // All: any cut, minimal (a superset of a single goes).
    let c = Family::from_groups(vec![g(&[1, 5]), g(&[6])]);
    assert_eq!(
        Family::all([&a, &c], 2),
        Family::from_groups(vec![g(&[1]), g(&[6]), g(&[2, 3])])
    );
    assert_eq!(
        Family::threshold(&[(1, 1), (2, 1), (3, 1)], 2, 2),
        Family::from_groups(vec![g(&[1, 2]), g(&[1, 3]), g(&[2, 3])])
    );
    assert!(Family::threshold(&[(1, 1), (2, 1), (3, 1)], 3, 2).is_empty());
    assert_eq!(
        Family::threshold(&[(1, 2), (2, 1)], 2, 2),
        Family::from_groups(vec![g(&[1])])
    );
}

#[test]
fn generated_estate_gives_the_same_groups_through_the_model_and_alone() {
    let shape = synthetic::Shape {
        services: 400,
        sites: 8,
        regions: 3,
        seed: 7,
    };
    let plan = synthetic::plan(shape);
    let estate = synthetic::estate(synthetic::model(shape, &plan));
    let through_model = Audit::build(&estate, 2);
    let (domains, parent) = synthetic::domains(shape);
    let (structures, sets, order) = synthetic::structures(shape, &plan);
    let alone = Audit::from_parts(domains, parent, structures, sets, order, 2);
    assert_eq!(through_model.domains, alone.domains);
    assert_eq!(through_model.parent, alone.parent);
    let groups = |a: &Audit| -> Vec<Vec<Group>> {
        a.entities.iter().map(|e| e.risk_groups.to_vec()).collect()
    };
    assert_eq!(groups(&through_model), groups(&alone));
    // The estate is not trivial: single points and pairs both occur.
    assert!(
        alone
            .entities
            .iter()
            .any(|e| e.risk_groups.iter().any(|g| g.len() == 1))
    );
    assert!(
        alone
            .entities
            .iter()
            .any(|e| e.risk_groups.iter().any(|g| g.len() == 2))
    );
}

/// Every entity keeps some thirty-five groups in a large estate: a group
/// stays 12 bytes, and ranks by size before ids.
#[test]
fn a_group_is_twelve_bytes_and_ranks_by_size_first() {
    assert_eq!(size_of::<Group>(), 12);
    let g = |ids: &[u32]| Group::of(ids).unwrap();
    let mut groups = vec![g(&[1, 2]), g(&[7]), g(&[0, 5, 9]), g(&[3])];
    groups.sort_unstable();
    assert_eq!(groups, vec![g(&[3]), g(&[7]), g(&[1, 2]), g(&[0, 5, 9])]);
    assert_eq!(g(&[4, 2]).ids(), &[2, 4]);
    assert_eq!(g(&[4, 2]).len(), 2);
    assert!(!g(&[4]).is_empty());
}
