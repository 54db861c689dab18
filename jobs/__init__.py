"""RQ jobs: thin entry points that take ids or plain data and call a feature (bot/<feature>/).

Features name these jobs by their dotted path when they queue them (bot.queues.enqueue), so this package sits
above every feature and nothing below imports it. The process entry points live here too: worker, scheduler,
dispatcher and the operators' command line (jobs.cli).
"""
