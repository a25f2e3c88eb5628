"""The bundled pose model, installed as the package ``formcheck.models`` (see README.md here).

Data only: ``formcheck.pose.bundled_model_path`` finds the ``.task`` file through this package.
"""
