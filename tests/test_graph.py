"""The Mermaid graph, judged by Mermaid itself: what it parses, draws, links and colours.

Every check that iterates over ``STACKS`` covers each ``Pulumi.<stack>.yaml`` in the repository,
so stacks added later get the same picture tested. Expected boxes and arrows are derived from
the recorded run, never from the renderer.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import struct
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pulumi
import pulumi_random as random
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from mermaid_check import Diagram, parse
from previews import BRIDGE_ON_AGENT_SUBNET, STACKS, check, preview, short_type
from pulumi_azure_native import network, resources

from conftest import ROOT
from private_acr_preview import diff, graph
from private_acr_preview.analyzer import PolicyReport, Violation
from private_acr_preview.base import Base, BaseResource
from private_acr_preview.program import ProgramRun, RecordedResource, run_function
from private_acr_rules.replacement import facts

Runner = Callable[[Callable[[], object]], ProgramRun]


def is_component(resource: RecordedResource) -> bool:
    return not resource.custom and resource.type != "pulumi:pulumi:Stack"


def is_group(resource: RecordedResource) -> bool:
    return resource.type == "azure-native:resources:ResourceGroup"


class Picture:
    """A run and Mermaid's reading of its graph, with each resource's box found by its label."""

    def __init__(self, run: ProgramRun, policy: PolicyReport | None, **options: int) -> None:
        self.run = run
        self.text = graph.render_mermaid(run, policy, **options)
        self.diagram: Diagram = parse(self.text)
        self.by_urn = {r.urn: r for r in run.resources}

    def resource(self, name: str) -> RecordedResource:
        [match] = [r for r in self.run.resources if r.name == name]
        return match

    def box(self, urn: str) -> str:
        """The vertex or subgraph that shows ``urn``: its own, or its collapsed component's."""
        resource = self.by_urn[urn]
        label = [short_type(resource), resource.name]
        for vertex in self.diagram.vertices.values():
            if vertex.lines == label or (
                vertex.shape == "subroutine" and vertex.lines[:2] == label
            ):
                return vertex.id
        for subgraph in self.diagram.subgraphs.values():
            if subgraph.lines == [f"{label[0]}: {label[1]}"]:
                return subgraph.id
        assert resource.parent in self.by_urn, f"{resource.name} is not on the picture"
        return self.box(resource.parent)

    def inside(self, frame: str) -> set[str]:
        """Everything drawn within the subgraph ``frame``, at any depth."""
        found: set[str] = set()
        for node in self.diagram.subgraphs[frame].nodes:
            found.add(node)
            if node in self.diagram.subgraphs:
                found |= self.inside(node)
        return found

    def drawn_parts(self, component: RecordedResource) -> Iterator[RecordedResource]:
        """A component's children, and the children of its cloud resources, drawn beside them."""
        for kid in self.run.resources:
            if kid.parent == component.urn and not is_group(kid):
                yield kid
                if kid.custom:
                    yield from self.drawn_parts(kid)

    def referenced(self, resource: RecordedResource) -> set[str]:
        return {u for urns in resource.property_dependencies.values() for u in urns}


@functools.cache
def stack_picture(stack: str) -> Picture:
    return Picture(*preview(stack))


# Every stack ------------------------------------------------------------------------------------


@pytest.mark.parametrize("stack", STACKS)
def test_graph_is_a_top_down_flowchart_mermaid_accepts(stack: str) -> None:
    diagram = stack_picture(stack).diagram
    assert (diagram.type, diagram.direction) == ("flowchart-v2", "TB")
    assert stack_picture(stack).text.startswith("flowchart TD\n")


@pytest.mark.parametrize("stack", STACKS)
def test_every_cloud_resource_shows_its_type_then_its_name(stack: str) -> None:
    picture = stack_picture(stack)
    for resource in picture.run.resources:
        if resource.custom and not is_group(resource):
            vertex = picture.diagram.vertices[picture.box(resource.urn)]
            own = vertex.lines == [short_type(resource), resource.name]
            assert own or vertex.shape == "subroutine", resource.name  # or collapsed


@pytest.mark.parametrize("stack", STACKS)
def test_components_are_subgraphs_holding_exactly_their_parts(stack: str) -> None:
    picture = stack_picture(stack)
    components = [r for r in picture.run.resources if is_component(r)]
    assert components
    for component in components:
        box = picture.box(component.urn)
        if box in picture.diagram.subgraphs:
            parts = {picture.box(part.urn) for part in picture.drawn_parts(component)}
            assert set(picture.diagram.subgraphs[box].nodes) == parts, component.name


@pytest.mark.parametrize("stack", STACKS)
def test_arrows_are_the_property_dependencies_once_each(stack: str) -> None:
    picture = stack_picture(stack)
    expected: set[tuple[str, str]] = set()
    for resource in picture.run.resources:
        if is_group(resource):
            continue
        if resource.urn == picture.run.stack_urn:
            continue
        target = picture.box(resource.urn)
        for urn in picture.referenced(resource):
            if urn in picture.by_urn and not is_group(picture.by_urn[urn]):
                source = picture.box(urn)
                if source != target:
                    expected.add((source, target))
    assert sorted(picture.diagram.edges) == sorted(expected)


@pytest.mark.parametrize("stack", STACKS)
def test_resource_groups_frame_their_resources_instead_of_pointing_at_them(stack: str) -> None:
    picture = stack_picture(stack)
    groups = [r for r in picture.run.resources if is_group(r)]
    assert groups
    frames = {picture.box(g.urn) for g in groups}
    for group in groups:
        frame = picture.box(group.urn)
        assert all(frame not in edge for edge in picture.diagram.edges)
        holders = [r for r in picture.run.resources if group.urn in picture.referenced(r)]
        assert holders and frame in picture.diagram.subgraphs
        for holder in holders:
            box = picture.box(holder.urn)
            other_frames = {f for f in frames - {frame} if box in picture.inside(f)}
            assert box in picture.inside(frame) or not other_frames, holder.name


@pytest.mark.parametrize("stack", STACKS)
def test_only_resources_with_violations_are_coloured(stack: str) -> None:
    picture = stack_picture(stack)
    _, policy = preview(stack)
    mandatory = {v.urn for v in policy.violations if v.level == "mandatory"}
    advisory = {v.urn for v in policy.violations if v.level == "advisory"} - mandatory
    on_picture = {u for u in mandatory | advisory if u in picture.by_urn} - {picture.run.stack_urn}
    red = {picture.box(u) for u in mandatory & on_picture}
    amber = {picture.box(u) for u in advisory & on_picture} - red  # a box shows its worst
    assert picture.diagram.with_class("violation") == red | {"legend_violation"}
    assert picture.diagram.with_class("advisory") == amber | {"legend_advisory"}


# The dev stack: the acceptance points -------------------------------------------------


def test_dev_subnet_label_is_type_and_name_on_two_lines() -> None:
    picture = stack_picture("dev")
    picture.diagram.vertex("Subnet", "network-agent-subnet")
    assert "Subnetbr/" not in picture.text


def test_dev_two_inputs_referencing_one_identity_make_one_arrow() -> None:
    picture = stack_picture("dev")
    task, identity = picture.resource("build-task"), picture.resource("build-task-identity")
    inputs = [k for k, urns in task.property_dependencies.items() if identity.urn in urns]
    assert len(inputs) >= 2  # step and identity both name it
    arrow = (picture.box(identity.urn), picture.box(task.urn))
    assert picture.diagram.edges.count(arrow) == 1


def test_dev_graph_has_no_arrow_from_the_resource_group() -> None:
    picture = stack_picture("dev")
    group = picture.box(picture.resource("resource-group").urn)
    assert group in picture.diagram.subgraphs
    assert [edge for edge in picture.diagram.edges if group in edge] == []


def test_bridge_conflict_marks_the_conflicting_subnet_as_violation() -> None:
    picture = Picture(*preview("dev", BRIDGE_ON_AGENT_SUBNET))
    agent = picture.diagram.vertex("Subnet", "network-agent-subnet")
    assert agent.classes == ["violation"]
    assert picture.diagram.vertex("Subnet", "network-pe-subnet").classes == []
    assert "fill:#ffcdd2" in picture.diagram.class_defs["violation"]


def test_advisory_violations_are_marked_advisory() -> None:
    picture = Picture(*preview("dev", {"all": "advisory", **BRIDGE_ON_AGENT_SUBNET}))
    assert picture.diagram.vertex("Subnet", "network-agent-subnet").classes == ["advisory"]
    assert "fill:#ffe8b0" in picture.diagram.class_defs["advisory"]


def test_legend_explains_each_class_with_its_count() -> None:
    picture = Picture(*preview("dev", BRIDGE_ON_AGENT_SUBNET))
    legend = picture.diagram.subgraph("Policy results")
    keys = {
        tuple(picture.diagram.vertices[n].lines): picture.diagram.vertices[n].classes
        for n in legend.nodes
    }
    assert keys == {
        ("Mandatory violation (2)",): ["violation"],  # the agent subnet and its VNet
        ("Advisory violation (0)",): ["advisory"],
    }


def test_a_mandatory_violation_outranks_an_advisory_one_on_the_same_resource() -> None:
    run, policy = preview("dev")
    subnet = next(r for r in run.resources if r.name == "network-agent-subnet")
    both = dataclasses.replace(
        policy,
        violations=[
            Violation("one", "advisory", "low", subnet.urn, "a"),
            Violation("two", "mandatory", "high", subnet.urn, "b"),
            Violation("three", "advisory", "low", subnet.urn, "c"),
        ],
    )
    picture = Picture(run, both)
    assert picture.diagram.vertex("Subnet", "network-agent-subnet").classes == ["violation"]


def test_without_a_policy_run_nothing_is_coloured_and_there_is_no_legend() -> None:
    run, _ = preview("dev")
    diagram = Picture(run, None).diagram
    assert diagram.with_class("violation") == diagram.with_class("advisory") == set()
    assert all(s.lines != ["Policy results"] for s in diagram.subgraphs.values())


def test_ids_do_not_depend_on_registration_order() -> None:
    run, policy = preview("dev")
    reversed_run = dataclasses.replace(run, resources=run.resources[::-1])
    assert graph.render_mermaid(reversed_run, policy) == graph.render_mermaid(run, policy)


def test_removing_a_resource_leaves_every_other_id_as_it_was() -> None:
    run, _ = preview("dev")
    before = Picture(run, None).diagram
    fewer = dataclasses.replace(
        run, resources=[r for r in run.resources if r.name != "aks-acr-pull"]
    )
    after = Picture(fewer, None).diagram
    removed = before.vertex("RoleAssignment", "aks-acr-pull").id
    assert set(after.vertices) == set(before.vertices) - {removed}


# Labels -----------------------------------------------------------------------------------------

AWKWARD_NAMES = [
    'say "hi"',
    "#35; stays literal",
    "<b>not bold</b>",
    "Zürich-東京-😀",
    "style:#fff;",
    "classDef x fill:#f00;",
    "a`b",
    "end",
    "x --> y",
    "[brackets] {braces} (parens)",
    "&amp; and &",
    "two<br/>lines",
]


def test_mermaid_syntax_in_names_is_shown_as_written(run_components: Runner) -> None:
    def program() -> None:
        box = pulumi.ComponentResource("test:index:Box", 'box "#1" <i>')
        for name in AWKWARD_NAMES:
            random.RandomString(name, length=4, opts=pulumi.ResourceOptions(parent=box))
        box.register_outputs({})

    diagram = Picture(run_components(program), None).diagram
    for name in AWKWARD_NAMES:
        diagram.vertex("RandomString", name)
    diagram.subgraph('Box: box "#1" <i>')


# Mermaid trims a label's trailing spaces, which a browser would not show anyway.
PRINTABLE = st.text(st.characters(exclude_categories=("Cs", "Cc")), min_size=1)


@settings(deadline=None)  # the first example starts node
@given(PRINTABLE.filter(lambda text: not text.endswith(" ")))
@example("direction BT")  # Mermaid's lexer took this for a direction statement inside a label
@example("a Direction lr b")
def test_any_printable_text_survives_mermaid(text: str) -> None:
    diagram = parse(f'flowchart TD\n  n["T<br/>{graph.mermaid_text(text)}"]\n')
    assert diagram.vertices["n"].lines == ["T", text]


def test_a_control_character_shows_as_the_replacement_character() -> None:
    # As an HTML reference, U+0080 would show as the euro sign.
    label = graph.mermaid_text("a\x80b\x07")
    diagram = parse(f'flowchart TD\n  n["{label}"]\n')
    assert diagram.vertices["n"].lines == ["a\ufffdb\ufffd"]


# Resource groups --------------------------------------------------------------------------------


def test_each_resource_group_frames_the_parts_placed_wholly_in_it(run_components: Runner) -> None:
    def program() -> None:
        builds, shared = resources.ResourceGroup("builds"), resources.ResourceGroup("shared")

        def component(name: str, *groups: resources.ResourceGroup) -> None:
            parent = pulumi.ComponentResource("test:index:Part", name)
            for index, group in enumerate(groups):
                network.NetworkSecurityGroup(
                    f"{name}-nsg-{index}",
                    resource_group_name=group.name,
                    opts=pulumi.ResourceOptions(parent=parent),
                )
            parent.register_outputs({})

        component("build-part", builds)
        component("shared-part", shared)
        component("straddling-part", builds, shared)

    picture = Picture(run_components(program), None)
    builds = picture.diagram.subgraph("ResourceGroup: builds").id
    shared = picture.diagram.subgraph("ResourceGroup: shared").id
    straddling = picture.diagram.subgraph("Part: straddling-part").id
    assert picture.diagram.subgraph("Part: build-part").id in picture.inside(builds)
    assert picture.diagram.subgraph("Part: shared-part").id in picture.inside(shared)
    assert straddling not in picture.inside(builds) | picture.inside(shared)


# A large stack ----------------------------------------------------------------------------------


def spokes(count: int, *, wrapped: bool) -> Callable[[], None]:
    """Two hub resources and ``count`` spoke components whose parts all reference both hubs.

    Spoke 0 is the largest and holds an NSG in westeurope (which the tiny pack forbids). Random
    strings keep the run fast: the mock engine spends ~0.1 s on each azure-native resource.
    """

    def program() -> None:
        group = resources.ResourceGroup("platform-rg")
        hub, hub_key = (
            random.RandomString("hub", length=8),
            random.RandomString("hub-key", length=8),
        )
        platform = pulumi.ComponentResource("test:index:Platform", "platform") if wrapped else None
        for index in range(count):
            spoke = pulumi.ComponentResource(
                "test:index:Spoke", f"spoke-{index}", opts=pulumi.ResourceOptions(parent=platform)
            )
            inside = pulumi.ResourceOptions(parent=spoke)
            previous = hub.result
            for part in range(8 if index == 0 else 5):
                previous = random.RandomString(
                    f"spoke-{index}-part-{part}",
                    length=8,
                    keepers={"hub": hub.result, "key": hub_key.result, "previous": previous},
                    opts=inside,
                ).result
            if index == 0:
                network.NetworkSecurityGroup(
                    "spoke-0-nsg",
                    resource_group_name=group.name,
                    location="westeurope",
                    opts=inside,
                )
            spoke.register_outputs({})
        if platform is not None:
            platform.register_outputs({})

    return program


@functools.cache
def large_run(wrapped: bool) -> ProgramRun:
    return run_function(
        spokes(20, wrapped=wrapped),
        project="large",
        stack="synthetic",
        config={"azure-native:location": "eastus2"},
    )


@functools.cache
def large_picture(wrapped: bool) -> Picture:
    run = large_run(wrapped)
    return Picture(run, check(run, {}, pack_dir="tests/fixtures/tiny_pack"))


def drawn_nodes(diagram: Diagram) -> list[str]:
    return [v for v in diagram.vertices if not v.startswith("legend_")]


def test_large_stack_is_drawn_within_the_node_budget() -> None:
    picture = large_picture(False)
    assert len(picture.run.resources) > 2 * graph.MAX_GRAPH_NODES
    assert 0 < len(drawn_nodes(picture.diagram)) <= graph.MAX_GRAPH_NODES


def test_large_stack_collapses_its_largest_component_first_into_one_counted_node() -> None:
    picture = large_picture(False)
    node = picture.diagram.vertices[picture.box(picture.resource("spoke-0").urn)]
    assert (node.shape, node.lines) == ("subroutine", ["Spoke", "spoke-0", "(9 resources)"])


def test_a_collapsed_component_keeps_one_arrow_per_outside_dependency() -> None:
    picture = large_picture(False)
    spoke = picture.box(picture.resource("spoke-0").urn)
    into_spoke = sorted(s for s, t in picture.diagram.edges if t == spoke)
    hubs = [picture.box(picture.resource(name).urn) for name in ("hub", "hub-key")]
    assert into_spoke == sorted(hubs)  # eight parts reference each hub: still one arrow each


def test_a_collapsed_component_shows_the_worst_violation_inside_it() -> None:
    picture = large_picture(False)
    spoke = picture.diagram.vertices[picture.box(picture.resource("spoke-0").urn)]
    assert spoke.shape == "subroutine" and spoke.classes == ["violation"]


def test_a_component_wrapping_the_stack_stays_open_around_its_collapsed_parts() -> None:
    picture = large_picture(True)
    platform = picture.diagram.subgraph("Platform: platform")
    spoke = picture.box(picture.resource("spoke-0").urn)
    assert spoke in platform.nodes and picture.diagram.vertices[spoke].shape == "subroutine"
    assert len(drawn_nodes(picture.diagram)) <= graph.MAX_GRAPH_NODES


def test_large_stack_stays_within_mermaid_default_limits() -> None:
    # Mermaid refuses diagrams over maxTextSize (50,000) characters or maxEdges (500) edges.
    picture = large_picture(False)
    assert len(picture.text) < 50_000 and len(picture.diagram.edges) < 500


def test_a_smaller_budget_collapses_the_dev_stack_and_it_still_parses() -> None:
    run, policy = preview("dev")
    picture = Picture(run, policy, max_nodes=12)
    assert len(drawn_nodes(picture.diagram)) <= 12
    assert any(v.shape == "subroutine" for v in picture.diagram.vertices.values())


# The overview: one box per component --------------------------------------------------------------


def top_level(run: ProgramRun, resource: RecordedResource) -> RecordedResource:
    """The child of the stack that ``resource`` belongs to."""
    by_urn = {r.urn: r for r in run.resources}
    while by_urn[resource.parent].type != "pulumi:pulumi:Stack":
        resource = by_urn[resource.parent]
    return resource


@functools.cache
def overview(stack: str) -> tuple[ProgramRun, Diagram]:
    run, policy = preview(stack)
    return run, parse(graph.render_overview(run, policy))


@pytest.mark.parametrize("stack", STACKS)
def test_the_overview_has_one_box_per_component_counting_its_resources(stack: str) -> None:
    run, diagram = overview(stack)
    counted: dict[str, int] = {}
    for resource in run.resources:
        if resource.custom and not is_group(resource) and resource.parent != run.stack_urn:
            part = top_level(run, resource)
            counted[f"{short_type(part)}|{part.name}"] = (
                counted.get(f"{short_type(part)}|{part.name}", 0) + 1
            )
    boxes = {
        f"{v.lines[0]}|{v.lines[1]}": v.lines[2]
        for v in diagram.vertices.values()
        if v.shape == "subroutine"
    }
    assert boxes == {key: f"({n} resource{'s' if n != 1 else ''})" for key, n in counted.items()}
    assert {s.lines[0].split(":")[0] for s in diagram.subgraphs.values()} <= {"ResourceGroup"}


@pytest.mark.parametrize("stack", STACKS)
def test_the_overview_links_components_whose_resources_reference_each_other(stack: str) -> None:
    run, diagram = overview(stack)
    ids = {(v.lines[0], v.lines[1]): v.id for v in diagram.vertices.values()}
    by_urn = {r.urn: r for r in run.resources}

    def box(resource: RecordedResource) -> str | None:
        part = top_level(run, resource)
        return ids.get((short_type(part), part.name))

    expected: set[tuple[str, str]] = set()
    for resource in run.resources:
        if resource.urn == run.stack_urn or is_group(resource):
            continue
        for urn in {u for urns in resource.property_dependencies.values() for u in urns}:
            source = by_urn.get(urn)
            if source is None or is_group(source):
                continue
            pair = (box(source), box(resource))
            if None not in pair and pair[0] != pair[1]:
                expected.add((str(pair[0]), str(pair[1])))
    assert set(diagram.edges) == expected and len(diagram.edges) == len(expected)


def test_the_overview_marks_the_component_holding_a_violation() -> None:
    run, policy = preview("dev", BRIDGE_ON_AGENT_SUBNET)
    diagram = parse(graph.render_overview(run, policy))
    network = next(v for v in diagram.vertices.values() if v.lines[:2] == ["Network", "network"])
    assert network.classes == ["violation"]
    assert diagram.with_class("violation") == {network.id}


# The changes picture -------------------------------------------------------------------------------


def _base_of(run: ProgramRun, **edits: dict[str, Any]) -> Base:
    """``run`` as a base state, with the inputs of the resources named in ``edits`` changed."""
    return Base(
        Path("base.json"),
        "plan",
        {
            r.urn: BaseResource(
                r.urn,
                r.type,
                r.custom,
                r.id,
                r.parent,
                r.protect,
                {**r.inputs, **edits.get(r.name, {})},
                r.outputs,
                {"dependencies": r.dependencies, "propertyDependencies": r.property_dependencies},
            )
            for r in run.resources
        },
    )


def test_a_change_is_drawn_with_its_direct_neighbours_left_to_right() -> None:
    run, _ = preview("dev")
    review = diff.review(run, _base_of(run, **{"build-pool": {"tier": "S3"}}), facts)
    diagram = parse(graph.picture(run, None, review))
    assert diagram.direction == "LR"
    pool = diagram.vertex("AgentPool", "build-pool", "replace")
    assert pool.classes == ["replace"]
    by_urn = {r.urn: r for r in run.resources}
    urn = next(r.urn for r in run.resources if r.name == "build-pool")
    linked = {u for urns in by_urn[urn].property_dependencies.values() for u in urns} | {
        r.urn for r in run.resources if any(urn in us for us in r.property_dependencies.values())
    }
    expected = {
        (short_type(by_urn[u]), by_urn[u].name)
        for u in linked
        if by_urn[u].custom and not is_group(by_urn[u])
    }
    drawn = {(v.lines[0], v.lines[1]) for v in diagram.vertices.values() if v.id != pool.id}
    assert drawn == expected
    assert all(pool.id in edge for edge in diagram.edges)
    assert diagram.with_class("neighbour") == {v.id for v in diagram.vertices.values()} - {pool.id}


def test_a_deleted_resource_is_drawn_with_what_it_was_linked_to() -> None:
    run, _ = preview("dev")
    base = _base_of(run)
    workspace = next(r for r in run.resources if r.name == "diagnostics-workspace")
    fewer = dataclasses.replace(run, resources=[r for r in run.resources if r.urn != workspace.urn])
    review = diff.review(fewer, base, facts)
    diagram = parse(graph.picture(fewer, None, review))
    gone = diagram.vertex("Workspace", "diagnostics-workspace", "delete")
    assert gone.classes == ["delete"]
    targets = {diagram.vertices[t].lines[1] for s, t in diagram.edges if s == gone.id}
    assert targets == {"diagnostics-aks", "diagnostics-artifacts", "diagnostics-registry"}


def test_a_change_too_large_to_draw_marks_the_components_instead() -> None:
    run, _ = preview("dev")
    edits = {r.name: {"tags": {"changed": "yes"}} for r in run.resources if r.custom}
    review = diff.review(run, _base_of(run, **edits), facts)
    assert graph.render_changes(run, review) is None
    diagram = parse(graph.picture(run, None, review))
    network = next(v for v in diagram.vertices.values() if v.lines[:2] == ["Network", "network"])
    assert network.lines[3] == "update 7" and network.classes == ["update"]


# Width at a pull request's scale -------------------------------------------------------------------

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))


def png_width(mermaid: str, directory: Path) -> int:
    """The width of ``mermaid`` as ``make graph`` renders it (Mermaid 11 in Chromium)."""
    source, picture = directory / "graph.mmd", directory / "graph.png"
    source.write_text(mermaid)
    subprocess.run(
        ["node", str(ROOT / "tests" / "mermaid" / "render-png.mjs"), str(source), str(picture)],
        check=True,
        cwd=ROOT,
        timeout=120,
    )
    return struct.unpack(">I", picture.read_bytes()[16:20])[0]


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Chromium (apt-get install chromium)")
@pytest.mark.parametrize("stack", STACKS)
def test_each_stacks_picture_is_at_most_2000_pixels_wide(stack: str, tmp_path: Path) -> None:
    run, policy = preview(stack)
    assert png_width(graph.picture(run, policy), tmp_path) <= 2000
