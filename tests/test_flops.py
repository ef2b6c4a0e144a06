import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode
from ttc import flops
from ttc.models.ladder import non_embedding_parameters


def test_paper_formulas():
    assert flops.pretraining_flops(1e6, 1e9) == 6e15
    assert flops.inference_flops(1e6, 10, "arxiv") == 2e7
    assert flops.inference_flops(1e6, 10, "iclr") == 4e7
    # Snell et al. section 7 with M = 14: k = 257.8, 63.4, 15.8 at R = 0.16, 0.79, 22
    ks = [flops.matching_multiplier(14, r) for r in (0.16, 0.79, 22)]
    assert ks == pytest.approx([257.75, 63.37, 15.77], abs=0.01)
    assert flops.matching_multiplier(14, 0.08, "iclr") == pytest.approx(257.75, abs=0.01)


def test_counted_flops_match_a_hand_count():
    # one layer, d = 4, N = 100, vocab 10, a 3-token sequence: dense 2*100 + 2*4*10 = 280 per token,
    # attention 4 * 1 * 4 * (1 + 2 + 3) = 96
    assert flops.sequence_forward_flops(100, 1, 4, 10, [3]) == 3 * 280 + 96
    assert flops.training_flops_counted(100, 1, 4, 10, [3]) == 3 * (3 * 280 + 96)


def test_counted_flops_match_torch_flop_counter(tiny_model, tiny_spec):
    ids = torch.randint(7, 200, (4, 1))  # length-1 sequences: no causal-mask ambiguity
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        tiny_model(input_ids=ids)
    vocab = tiny_model.config.vocab_size
    ours = flops.sequence_forward_flops(
        non_embedding_parameters(tiny_model), tiny_spec.n_layers, tiny_spec.d_model, vocab, [1] * 4
    )
    # our N also counts the RMSNorm weights, which do no matmuls: a < 2% difference here
    assert counter.get_total_flops() == pytest.approx(ours, rel=0.02)


def test_matching_multiplier_with_unequal_pretraining_tokens():
    # same tokens: F = M gives the paper's formula
    assert flops.matching_multiplier(8, 0.5, flops_ratio=8) == flops.matching_multiplier(8, 0.5)
    # the small model saw half the tokens: F = 16, so the pretraining term doubles (and more)
    assert flops.matching_multiplier(8, 0.5, flops_ratio=16) == pytest.approx(8 + 3 * 15 / 0.5)
