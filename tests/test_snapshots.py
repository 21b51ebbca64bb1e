"""Coded snapshots are the graphs that edge_list and node_list give, at every period and scope."""

import numpy as np
import pytest

from diffusion.network.snapshots import CodedGraph, node_names


def _networks():
    from diffusion import load_dataset
    from diffusion.network.build import build_network

    yield build_network(load_dataset("leading-cases"))
    yield build_network(load_dataset("broadband-china"), "prefecture", same_batch="both")
    yield build_network(load_dataset("leading-cases"), "province", candidates="adjacent")


@pytest.mark.parametrize("net", list(_networks()), ids=["leading-cases", "broadband-both", "adjacent"])
@pytest.mark.parametrize("graph", ["multimode", "regions", "ties"])
def test_coded_snapshots_equal_the_edge_and_node_lists(net, graph):
    names = node_names(net)
    coded = CodedGraph(net, graph, names)
    for period in net.period_numbers:
        for cumulative in (True, False):
            snap = coded.at(period, cumulative=cumulative)
            edges = net.edge_list(graph, period, cumulative=cumulative)
            nodes = names[snap.nodes]
            assert list(nodes) == net.node_list(graph, period, cumulative=cumulative)
            assert list(nodes[snap.source]) == list(edges["source"])
            assert list(nodes[snap.target]) == list(edges["target"])
            assert np.allclose(snap.weight, edges["weight"], rtol=1e-15, atol=0)
