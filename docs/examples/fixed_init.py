import torch


@torch.no_grad()
def reinitialise(model: torch.nn.Module) -> torch.nn.Module:
    """Re-initialise ``model`` by the exact rule derived by initproof: each layer's output keeps unit
    mean square; each residual branch adds its share of a stream that grows by sqrt(2) in all; every
    attention adds the same small share, so that tokens stay apart."""
    _attention(model.get_submodule('0.layers.0.self_attn'), (0.125, 0.125, 0.125), 0.0381604)
    _normal(model.get_submodule('0.layers.0.linear1'), 0.125)
    _normal(model.get_submodule('0.layers.0.linear2'), 0.0338451)
    _attention(model.get_submodule('0.layers.1.self_attn'), (0.125, 0.125, 0.125), 0.034453)
    _normal(model.get_submodule('0.layers.1.linear1'), 0.125)
    _normal(model.get_submodule('0.layers.1.linear2'), 0.0338451)
    _attention(model.get_submodule('0.layers.2.self_attn'), (0.125, 0.125, 0.125), 0.0292864)
    _normal(model.get_submodule('0.layers.2.linear1'), 0.125)
    _normal(model.get_submodule('0.layers.2.linear2'), 0.0338451)
    _attention(model.get_submodule('0.layers.3.self_attn'), (0.125, 0.125, 0.125), 0.0319742)
    _normal(model.get_submodule('0.layers.3.linear1'), 0.125)
    _normal(model.get_submodule('0.layers.3.linear2'), 0.0338451)
    _normal(model.get_submodule('1'), 0.125)
    return model


def _normal(module, std):
    module.weight.normal_(0.0, std)
    if module.bias is not None:
        module.bias.zero_()


def _gamma(module, value):
    module.weight.fill_(value)
    if module.bias is not None:
        module.bias.zero_()


def _attention(module, stds, out_std):
    d = module.embed_dim
    if module._qkv_same_embed_dim:
        for part, std in zip(module.in_proj_weight.split(d), stds, strict=True):
            part.normal_(0.0, std)
    else:
        for weight, std in zip((module.q_proj_weight, module.k_proj_weight, module.v_proj_weight), stds,
                               strict=True):
            weight.normal_(0.0, std)
    if module.in_proj_bias is not None:
        module.in_proj_bias.zero_()
    _normal(module.out_proj, out_std)
