"""Prometheus Operator resources for kube-prometheus-stack and other Operator setups, under out/kubernetes/.

One function per kind renders one resource as plain data; `resources` gathers them for a stack. Each resource
is written to its own file and listed in kustomization.yaml, so `kubectl apply -k out/kubernetes` deploys them.
A new kind (a Probe, say) is one more function returning a Resource, and one line in `resources`.
"""
