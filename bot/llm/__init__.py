"""The optional LLM synthesizer: clients (`backends`), the synthesizer, its citation checks and quotes."""
