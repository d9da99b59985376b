"""Store step: built graphs on disk (snapshots), opened as an Oxigraph or rdflib store."""
