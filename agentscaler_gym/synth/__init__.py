"""Synthesis: API corpora -> verifiable tool-use domains (environment scaling, AgentScaler).

    corpus -> tool graph -> domains -> schema -> tools -> tasks -> validation -> folders
    corpus.py graph.py    graph.py   schema.py operators.py taskgen.py validate.py folder.py

The stages pass one value, ``spec.DomainSpec`` (the ``domain.json`` format as a type).
``pipeline.synthesize(corpus, out)`` runs it; ``agentscaler synth`` is the command;
``folder.load_domain_folder(path)`` turns a written folder back into a ``Domain``. Nothing is
imported here, so loading a synthesized domain does not import the graph stage (networkx).
See docs/synthesis.md.
"""
