// The one check run the App owns on each head sha; branch protection requires it by this name.
export const CHECK_RUN_NAME = 'contractor';
