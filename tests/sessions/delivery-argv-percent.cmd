tests/record-delivery --from=%F 100%% %%F %x
